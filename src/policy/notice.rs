//! Transparency from the policy alone: a privacy notice for customers (Art. 13 GDPR) and a record
//! of processing activities for the controller and the supervisory authority (Art. 30(1) GDPR).
//!
//! Both are generated from the same compiled [`Policy`] that decides every access, so what a shop
//! tells its customers and what its code does cannot drift apart. Both are deterministic: purposes
//! appear parents first, in declaration order, and fields in declaration order.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::compiled::{Field, Policy, Purpose, PurposeId, Tag};
use super::document::{LegalBasis, PurposeFlag, Treatment};
use super::vocab::{Taxonomy, Vocabulary};

/// The value of `"format"` in [`Policy::processing_records`]; changes when the shape changes.
pub const PROCESSING_RECORDS_FORMAT: &str = "zweck.processing_records.v1";

impl Policy {
    /// A plain-language privacy notice in Markdown, generated from the policy.
    ///
    /// It names the controller, its contact and data protection officer (when the policy gives
    /// them); then, for each purpose (children under their parents), the description, the legal basis
    /// in plain words, each field the purpose may use and in which form, how long the data is kept,
    /// whether consent is needed and how to withdraw it or how to object, and whether data is sold,
    /// shared or used for targeted advertising. Special-category fields (Art. 9 GDPR) are called out
    /// where they are used and in a section of their own. It ends with the customer's rights and how to
    /// exercise them.
    ///
    /// The output depends only on the policy: the same policy always gives the same text.
    ///
    /// ```
    /// use zweck::policy::Policy;
    /// let policy = Policy::from_json(r#"{
    ///   "name": "Example shop",
    ///   "controller": {"name": "Example GmbH", "contact": "privacy@example.com"},
    ///   "purposes": [
    ///     {"key": "marketing", "description": "Our newsletter", "basis": "consent", "retention": "2 years"}
    ///   ],
    ///   "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"marketing": "plain"}}]
    /// }"#)?;
    /// let notice = policy.privacy_notice();
    /// assert!(notice.contains("### Our newsletter (`marketing`)"));
    /// assert!(notice.contains("You can withdraw your consent at any time"));
    /// assert!(notice.contains("up to 2 years"));
    /// # Ok::<(), zweck::Error>(())
    /// ```
    pub fn privacy_notice(&self) -> String {
        let mut out = String::new();
        let contact = self.document.controller.as_ref().map(|c| one_line(&c.contact));
        let reach = match &contact {
            Some(c) => format!("by writing to {c}"),
            None => "by contacting us".to_string(),
        };
        let name = one_line(&self.document.name);

        // Writing into a String cannot fail; the results are ignored for that reason.
        let _ = writeln!(out, "# Privacy notice: {name}\n");
        let _ = writeln!(
            out,
            "This notice explains which of your data we use for {name}, what for, on which legal basis \
             and for how long. It also explains your rights.\n"
        );

        out.push_str("## Who is responsible\n\n");
        match &self.document.controller {
            Some(c) => {
                let _ = writeln!(out, "{} is responsible for your data (the controller).", one_line(&c.name));
                let _ = writeln!(out, "You can reach us at {}.", one_line(&c.contact));
                if let Some(dpo) = &c.dpo {
                    let _ = writeln!(out, "You can reach our data protection officer at {}.", one_line(dpo));
                }
            }
            None => {
                let _ =
                    writeln!(out, "The operator of {name} is responsible for your data (the controller).");
            }
        }
        out.push('\n');

        out.push_str("## What we use your data for\n");
        let tree = self.purpose_tree();
        for &(depth, purpose) in &tree {
            self.notice_purpose(&mut out, depth, purpose, &reach);
        }

        let special: Vec<&Field> = self.fields.iter().filter(|f| f.is_special()).collect();
        if !special.is_empty() {
            out.push_str("\n## Sensitive data\n\n");
            out.push_str(
                "Some of the data we use belongs to the special categories of personal data \
                 (Art. 9 GDPR), such as health data. We protect it with particular care.\n\n",
            );
            for field in special {
                let used: Vec<String> = tree
                    .iter()
                    .filter(|(_, p)| self.tag(field.id(), p.id()).is_some())
                    .map(|(_, p)| purpose_label(p))
                    .collect();
                let use_text = if used.is_empty() {
                    "we do not use it for any purpose".to_string()
                } else {
                    format!("used for: {}", used.join("; "))
                };
                let _ =
                    writeln!(out, "- Your {} ({}): {use_text}.", field_words(field), category_name(field));
            }
        }

        self.notice_rights(&mut out, &reach);
        out
    }

    /// One purpose's section of the notice.
    fn notice_purpose(&self, out: &mut String, depth: usize, purpose: &Purpose, reach: &str) {
        let hashes = "#".repeat((3 + depth).min(6));
        let _ = writeln!(out, "\n{hashes} {} (`{}`)\n", one_line(purpose.description()), purpose.key());
        if let Some(parent) = purpose.parent() {
            let _ = writeln!(out, "This is part of \"{}\".\n", one_line(self.purpose(parent).description()));
        }

        let basis = purpose.basis();
        let _ = writeln!(out, "- **Legal basis:** {}. {}", basis.describe(), basis_sentence(basis, reach));
        if basis == LegalBasis::Consent {
            if let Some(age) = purpose.max_consent_age() {
                let _ = writeln!(out, "  Your consent counts for {age}. After that, we ask you again.");
            }
        }

        let used = self.fields_for(purpose.id());
        if used.is_empty() {
            out.push_str("- **Data we use:** none of your personal data.\n");
        } else {
            out.push_str("- **Data we use:**\n");
            for (field, tag) in &used {
                let mut line = format!(
                    "  - your {} ({}), {}",
                    field_words(field),
                    category_name(field),
                    treatment_words(&tag.treatment)
                );
                if field.is_special() {
                    line.push_str(". This is sensitive data (Art. 9 GDPR)");
                    if basis == LegalBasis::Consent {
                        line.push_str("; we use it only with your explicit consent");
                    }
                }
                line.push('.');
                let _ = writeln!(out, "{line}");
            }
        }

        match purpose.retention() {
            Some(p) => {
                let _ = writeln!(out, "- **How long we keep it:** up to {p}. Then we delete it.");
            }
            None => out.push_str(
                "- **How long we keep it:** no fixed period is set. We keep it only as long as this purpose \
                 needs it.\n",
            ),
        }

        let flags = purpose.flags();
        if !flags.is_empty() {
            let sentences: Vec<&str> = ordered_flags(flags).into_iter().map(flag_sentence).collect();
            let _ = writeln!(out, "- **Advertising and sharing:** {}", sentences.join(" "));
        }
        if purpose.reidentifies() {
            out.push_str(
                "- **Pseudonyms:** for this purpose we may turn pseudonyms back into your real data, for \
                 example to investigate a specific case.\n",
            );
        }
    }

    /// The rights section of the notice.
    fn notice_rights(&self, out: &mut String, reach: &str) {
        let tree = self.purpose_tree();
        let labels = |pred: &dyn Fn(LegalBasis) -> bool| -> Vec<String> {
            tree.iter().filter(|(_, p)| pred(p.basis())).map(|(_, p)| purpose_label(p)).collect()
        };
        let consent = labels(&|b| b == LegalBasis::Consent);
        let objectable = labels(&|b| matches!(b, LegalBasis::LegitimateInterests | LegalBasis::PublicTask));
        let kept_by_law = labels(&|b| b == LegalBasis::LegalObligation);

        out.push_str("\n## Your rights\n\n");
        out.push_str(
            "- **Access (Art. 15 GDPR):** you can ask which data we hold about you and get a copy.\n",
        );
        out.push_str("- **Correction (Art. 16 GDPR):** you can have wrong data corrected.\n");
        out.push_str("- **Erasure (Art. 17 GDPR):** you can ask us to delete your data.");
        if kept_by_law.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(
                out,
                " We keep only what the law requires us to keep, for as long as it requires: {}.",
                kept_by_law.join("; ")
            );
        }
        out.push_str(
            "- **Data portability (Art. 20 GDPR):** you can get the data you gave us in a common, \
             machine-readable format.\n",
        );
        if objectable.is_empty() {
            out.push_str(
                "- **Objection (Art. 21 GDPR):** we do not use your data on the basis of our legitimate \
                 interests, so there is nothing to object to.\n",
            );
        } else {
            let _ = writeln!(
                out,
                "- **Objection (Art. 21 GDPR):** you can object at any time to: {}. Tell us {reach}.",
                objectable.join("; ")
            );
        }
        if consent.is_empty() {
            out.push_str(
                "- **Withdrawing consent (Art. 7(3) GDPR):** we do not ask for your consent for any \
                 purpose.\n",
            );
        } else {
            let _ = writeln!(
                out,
                "- **Withdrawing consent (Art. 7(3) GDPR):** you can withdraw your consent at any time for: {}. \
                 Withdrawing is as easy as giving consent. It does not affect what we did before.",
                consent.join("; ")
            );
        }
        out.push_str(
            "- **Complaint (Art. 77 GDPR):** you can complain to a data protection supervisory authority.\n",
        );

        out.push_str("\n### How to exercise your rights\n\n");
        match &self.document.controller {
            Some(c) => {
                let _ = write!(out, "Write to {}.", one_line(&c.contact));
                if let Some(dpo) = &c.dpo {
                    let _ = write!(
                        out,
                        " You can also write to our data protection officer at {}.",
                        one_line(dpo)
                    );
                }
                out.push('\n');
            }
            None => out.push_str("Contact us through the contact details of the shop.\n"),
        }
        out.push_str("It is free of charge. We answer within one month (Art. 12(3) GDPR).\n");
    }

    /// A record of processing activities (Art. 30(1) GDPR) as JSON, generated from the policy.
    ///
    /// The shape (every key is always present; absent values are `null`):
    ///
    /// ```text
    /// {
    ///   "format": "zweck.processing_records.v1",
    ///   "name": <policy name>,
    ///   "controller": {"name", "contact", "dpo"} | null,           Art. 30(1)(a)
    ///   "data_subjects": ["customers"],                            Art. 30(1)(c)
    ///   "purposes": [                                              Art. 30(1)(b), parents first
    ///     {
    ///       "key": "marketing.email",
    ///       "parent": "marketing" | null,
    ///       "description": <text>,
    ///       "legal_basis": "consent" | "contract" | "legal_obligation" | "vital_interests"
    ///                      | "public_task" | "legitimate_interests",
    ///       "legal_basis_description": <LegalBasis::describe>,
    ///       "consent_required": bool,
    ///       "notice_version": u32,
    ///       "max_consent_age": "13 months" | null,
    ///       "objection_possible": bool,                            Art. 21 (legitimate interests, public task)
    ///       "data_use": <fideslang data use> | null,
    ///       "data_categories": [<fideslang data category>, …],     Art. 30(1)(c), unique, field order
    ///       "special_categories": [<data category>, …],            Art. 9 data among them
    ///       "fields": [
    ///         {"name", "category", "special": bool,
    ///          "treatment": <as in the policy: "plain" | {"pseudonymise": domain} | {"mask": …} | {"generalise": …}>,
    ///          "declared_on": <purpose key the tag was declared on>}
    ///       ],
    ///       "retention": "2 years" | null,                         Art. 30(1)(f), time limit for erasure
    ///       "flags": ["sale" | "sharing" | "targeted_advertising", …],
    ///       "recipients_note": <text> | null,                      Art. 30(1)(d)-(e), set when flags are
    ///       "reidentify": bool
    ///     }
    ///   ],
    ///   "security_measures": [<text>, …]                           Art. 30(1)(g), from the treatments used
    /// }
    /// ```
    ///
    /// The policy cannot know the recipients by name or any transfer to a third country; where a
    /// purpose sells, shares or advertises, `recipients_note` says so and asks for them to be added.
    /// Key order is fixed, so the same policy always gives the same JSON text.
    ///
    /// ```
    /// use zweck::policy::Policy;
    /// let policy = Policy::from_json(r#"{
    ///   "name": "Example shop",
    ///   "purposes": [{"key": "analytics", "description": "Usage statistics",
    ///                 "basis": "legitimate_interests", "retention": "14 months"}],
    ///   "fields": [{"name": "email", "category": "user.contact.email",
    ///               "purposes": {"analytics": {"pseudonymise": "analytics"}}}]
    /// }"#)?;
    /// let records = policy.processing_records();
    /// let analytics = &records["purposes"][0];
    /// assert_eq!(analytics["legal_basis"], "legitimate_interests");
    /// assert_eq!(analytics["retention"], "14 months");
    /// assert_eq!(analytics["fields"][0]["treatment"]["pseudonymise"], "analytics");
    /// # Ok::<(), zweck::Error>(())
    /// ```
    pub fn processing_records(&self) -> Value {
        let controller = self
            .document
            .controller
            .as_ref()
            .map(|c| json!({"name": c.name, "contact": c.contact, "dpo": c.dpo}));
        let purposes: Vec<Value> =
            self.purpose_tree().into_iter().map(|(_, p)| self.processing_record(p)).collect();
        json!({
            "format": PROCESSING_RECORDS_FORMAT,
            "name": self.document.name,
            "controller": controller,
            "data_subjects": ["customers"],
            "purposes": purposes,
            "security_measures": self.security_measures(),
        })
    }

    /// One purpose's entry in the processing records.
    fn processing_record(&self, purpose: &Purpose) -> Value {
        let used = self.fields_for(purpose.id());
        let mut categories: Vec<&str> = Vec::new();
        let mut special: Vec<&str> = Vec::new();
        for (field, _) in &used {
            if !categories.contains(&field.category()) {
                categories.push(field.category());
            }
            if field.is_special() && !special.contains(&field.category()) {
                special.push(field.category());
            }
        }
        let fields: Vec<Value> = used
            .iter()
            .map(|(field, tag)| {
                json!({
                    "name": field.name(),
                    "category": field.category(),
                    "special": field.is_special(),
                    "treatment": serde_json::to_value(&tag.treatment).unwrap_or(Value::Null),
                    "declared_on": self.purpose(tag.declared_on).key(),
                })
            })
            .collect();
        let flags = ordered_flags(purpose.flags());
        let basis = purpose.basis();
        json!({
            "key": purpose.key(),
            "parent": purpose.parent().map(|p| self.purpose(p).key()),
            "description": purpose.description(),
            "legal_basis": basis.as_str(),
            "legal_basis_description": basis.describe(),
            "consent_required": basis == LegalBasis::Consent,
            "notice_version": purpose.notice_version(),
            "max_consent_age": purpose.max_consent_age().map(|p| p.to_string()),
            "objection_possible": matches!(basis, LegalBasis::LegitimateInterests | LegalBasis::PublicTask),
            "data_use": purpose.data_use(),
            "data_categories": categories,
            "special_categories": special,
            "fields": fields,
            "retention": purpose.retention().map(|p| p.to_string()),
            "flags": flags.iter().map(|f| flag_key(*f)).collect::<Vec<_>>(),
            "recipients_note": recipients_note(&flags),
            "reidentify": purpose.reidentifies(),
        })
    }

    /// The technical measures the policy itself amounts to (Art. 30(1)(g), Art. 32 GDPR).
    fn security_measures(&self) -> Vec<&'static str> {
        let mut out = vec![
            "purpose-bound access: each field is released only to the purposes it is tagged for; \
             everything else is denied by default",
        ];
        if self.purposes.iter().any(|p| p.basis() == LegalBasis::Consent) {
            out.push("consent, withdrawal and objection are checked at the moment of each access");
        }
        let used = |pred: fn(&Treatment) -> bool| self.tags.iter().any(|t| pred(&t.treatment));
        if used(|t| matches!(t, Treatment::Pseudonymise(_))) {
            out.push("pseudonymisation with keyed, per-domain HMAC-SHA256 pseudonyms");
        }
        if used(|t| matches!(t, Treatment::Mask(_))) {
            out.push("masking: only part of a value is released");
        }
        if used(|t| matches!(t, Treatment::Generalise(_))) {
            out.push("generalisation: only a coarser form of a value is released");
        }
        if self.purposes.iter().any(|p| p.retention().is_some()) {
            out.push("retention periods per purpose");
        }
        out
    }

    /// Purposes in notice order: each root in declaration order, followed depth-first by its
    /// descendants in declaration order. Each comes with its depth (0 for a root).
    fn purpose_tree(&self) -> Vec<(usize, &Purpose)> {
        let mut children: Vec<Vec<PurposeId>> = vec![Vec::new(); self.purposes.len()];
        let mut roots = Vec::new();
        for p in &self.purposes {
            match p.parent().and_then(|parent| children.get_mut(parent.index())) {
                Some(siblings) => siblings.push(p.id()),
                None => roots.push(p.id()),
            }
        }
        let mut out = Vec::with_capacity(self.purposes.len());
        // Depth-first with an explicit stack, children pushed in reverse to pop in order.
        let mut stack: Vec<(usize, PurposeId)> = roots.into_iter().rev().map(|id| (0, id)).collect();
        while let Some((depth, id)) = stack.pop() {
            let Some(purpose) = self.purposes.get(id.index()) else { continue };
            out.push((depth, purpose));
            if let Some(kids) = children.get(id.index()) {
                stack.extend(kids.iter().rev().map(|&k| (depth + 1, k)));
            }
        }
        out
    }

    /// The fields a purpose may use (its own tags and inherited ones), in declaration order.
    fn fields_for(&self, purpose: PurposeId) -> Vec<(&Field, &Tag)> {
        self.fields.iter().filter_map(|f| self.tag(f.id(), purpose).map(|t| (f, t))).collect()
    }
}

/// What the basis means for the customer, and what they can do about it.
fn basis_sentence(basis: LegalBasis, reach: &str) -> String {
    match basis {
        LegalBasis::Consent => format!(
            "We do this only with your consent. You can withdraw your consent at any time, e.g. {reach}. \
             Withdrawing does not affect what we did before."
        ),
        LegalBasis::Contract => {
            "We need this data to fulfil our contract with you. No consent is needed.".to_string()
        }
        LegalBasis::LegalObligation => {
            "The law requires us to do this. It does not depend on your consent.".to_string()
        }
        LegalBasis::VitalInterests => "We do this only to protect someone's life or health.".to_string(),
        LegalBasis::PublicTask => format!(
            "We do this as a task in the public interest. You can object at any time (Art. 21 GDPR), e.g. {reach}."
        ),
        LegalBasis::LegitimateInterests => format!(
            "We do this because we have a legitimate interest in it. You can object at any time \
             (Art. 21 GDPR), e.g. {reach}."
        ),
    }
}

/// How a field leaves, in words.
fn treatment_words(t: &Treatment) -> &'static str {
    match t {
        Treatment::Plain => "in full",
        Treatment::Pseudonymise(_) => "pseudonymised: we see a code instead of the value",
        Treatment::Mask(_) => "masked: we see only part of it",
        Treatment::Generalise(_) => "generalised: we see only a coarser form, such as a range",
    }
}

/// Flags in a fixed order, without duplicates, so that output does not depend on how they were written.
fn ordered_flags(flags: &[PurposeFlag]) -> Vec<PurposeFlag> {
    [PurposeFlag::Sale, PurposeFlag::Sharing, PurposeFlag::TargetedAdvertising]
        .into_iter()
        .filter(|f| flags.contains(f))
        .collect()
}

fn flag_key(f: PurposeFlag) -> &'static str {
    match f {
        PurposeFlag::Sale => "sale",
        PurposeFlag::Sharing => "sharing",
        PurposeFlag::TargetedAdvertising => "targeted_advertising",
    }
}

fn flag_sentence(f: PurposeFlag) -> &'static str {
    match f {
        PurposeFlag::Sale => "We sell this data to third parties.",
        PurposeFlag::Sharing => "We share this data with third parties, such as advertising partners.",
        PurposeFlag::TargetedAdvertising => "We use it to show you advertising based on your profile.",
    }
}

fn recipients_note(flags: &[PurposeFlag]) -> Option<String> {
    if flags.is_empty() {
        return None;
    }
    let what: Vec<&str> = flags
        .iter()
        .map(|f| match f {
            PurposeFlag::Sale => "personal data is sold to third parties",
            PurposeFlag::Sharing => "personal data is shared with third parties",
            PurposeFlag::TargetedAdvertising => {
                "used for targeted advertising, possibly through advertising partners"
            }
        })
        .collect();
    Some(format!(
        "{}; list the recipients or categories of recipients and any transfer to a third country or \
         international organisation (Art. 30(1)(d) and (e) GDPR)",
        what.join("; ")
    ))
}

/// A purpose as named in lists: its description and key.
fn purpose_label(p: &Purpose) -> String {
    format!("{} (`{}`)", one_line(p.description()), p.key())
}

/// A field's name in words: `order_history` → `order history`.
fn field_words(f: &Field) -> String {
    one_line(&f.name().replace('_', " "))
}

/// The fideslang name of a field's category (of the nearest fideslang ancestor for a custom
/// refinement), or the key itself outside the vocabulary.
fn category_name(f: &Field) -> String {
    match Vocabulary::fideslang().resolve(Taxonomy::DataCategory, f.category()).term() {
        Some(term) => term.name.to_string(),
        None => one_line(f.category()),
    }
}

/// Collapses runs of whitespace (including newlines) so that policy text cannot break the
/// Markdown structure of a list item or heading.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
