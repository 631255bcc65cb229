//! From document to compiled policy. Every check fails closed and names the place in the document
//! and the fix.

use std::path::Path;
use std::sync::Arc;

use super::compiled::{Field, FieldId, Policy, Purpose, PurposeId, Tag, NO_TAG};
use super::document::{LegalBasis, PolicyDocument, Treatment};
use super::names::NameMap;
use super::vocab::{self, Strictness, Taxonomy};
use crate::error::{closest, Error, Result};

/// Most purposes or fields a policy may declare (ids are 16-bit).
pub const MAX_ENTRIES: usize = 4096;
/// Deepest purpose hierarchy (`a.b.c…` with this many segments).
pub const MAX_DEPTH: usize = 16;
/// Largest policy document accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 4 << 20;

fn err(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Policy { path: path.into(), message: message.into() }
}

impl Policy {
    /// Parses and validates a JSON policy. Unknown keys are rejected; errors name the path
    /// (`fields.email.purposes.marketing.emial`) and the fix.
    pub fn from_json(json: &str) -> Result<Policy> {
        if json.len() > MAX_POLICY_BYTES {
            return Err(err(
                "(document)",
                format!("policy is {} bytes; the limit is {MAX_POLICY_BYTES}", json.len()),
            ));
        }
        if json.trim_start().chars().next().is_some_and(|c| c != '{') {
            return Err(err(
                "(document)",
                "a policy is a JSON object with \"name\", \"purposes\" and \"fields\"; see examples/shop_policy.json",
            ));
        }
        let mut de = serde_json::Deserializer::from_str(json);
        let doc: PolicyDocument = match serde_path_to_error::deserialize(&mut de) {
            Ok(doc) => doc,
            Err(e) => {
                let raw_path = e.path().to_string();
                let inner = e.into_inner();
                // A syntax error has no meaningful path (serde_path_to_error shows placeholders); the
                // message carries the line and column instead.
                let path = if inner.is_syntax() || inner.is_eof() {
                    String::new()
                } else {
                    readable_path(json, &raw_path)
                };
                let msg = if inner.is_syntax() || inner.is_eof() {
                    format!("not valid JSON: {inner}")
                } else {
                    inner.to_string()
                };
                let path = if path.is_empty() || path == "." { "(document)".to_string() } else { path };
                return Err(err(path, msg));
            }
        };
        de.end().map_err(|e| err("(document)", format!("not valid JSON: {e}")))?;
        Policy::from_document(doc)
    }

    /// Reads, parses and validates a JSON policy file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Policy> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|source| Error::Io {
            action: "reading policy",
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(text).map_err(|e| {
            err(
                "(document)",
                format!("{} is not UTF-8 (byte {})", path.display(), e.utf8_error().valid_up_to()),
            )
        })?;
        Policy::from_json(&text)
    }

    /// Validates and compiles a document (what [`Policy::from_json`] does after parsing).
    pub fn from_document(doc: PolicyDocument) -> Result<Policy> {
        compile(doc)
    }
}

/// Turns serde_path_to_error's `fields[2].purposes.x` into `fields.email.purposes.x` using the names
/// in the raw document, which is how people find things in a policy.
fn readable_path(json: &str, raw: &str) -> String {
    let value: Option<serde_json::Value> = serde_json::from_str(json).ok();
    let mut out = String::new();
    let mut cursor = value.as_ref();
    for seg in raw.split('.') {
        let (name, index) = match seg.find('[') {
            Some(i) => (&seg[..i], seg[i + 1..].trim_end_matches(']').parse::<usize>().ok()),
            None => (seg, None),
        };
        if name.is_empty() && index.is_none() {
            continue;
        }
        if !name.is_empty() {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(name);
            cursor = cursor.and_then(|v| v.get(name));
        }
        if let Some(i) = index {
            cursor = cursor.and_then(|v| v.get(i));
            let label = cursor
                .and_then(|v| v.get("key").or_else(|| v.get("name")))
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| format!("[{i}]"));
            out.push('.');
            out.push_str(&label);
        }
    }
    out
}

/// Dotted key of lowercase ASCII segments (`a-z`, `0-9`, `_`), each starting with a letter.
pub(crate) fn check_dotted_key(key: &str) -> std::result::Result<(), String> {
    if key.is_empty() {
        return Err("key is empty".into());
    }
    for seg in key.split('.') {
        let mut chars = seg.chars();
        match chars.next() {
            None => {
                return Err(format!(
                    "\"{key}\" has an empty segment; write segments separated by single dots"
                ))
            }
            Some(c) if !c.is_ascii_lowercase() => {
                return Err(format!("\"{key}\": segment \"{seg}\" must start with a lowercase letter a-z"))
            }
            _ => {}
        }
        if let Some(c) = chars.find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')) {
            return Err(format!(
                "\"{key}\": character {c:?} is not allowed; use lowercase letters, digits and '_' in dotted segments"
            ));
        }
    }
    Ok(())
}

/// Field names: ASCII letters, digits, `_` and `-`, starting with a letter or `_`, at most 128 bytes.
fn check_field_name(name: &str) -> std::result::Result<(), String> {
    let ok_start = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !ok_start
        || name.len() > 128
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!(
            "\"{name}\" is not a valid field name; use ASCII letters, digits, '_' or '-', starting with a letter or '_' (at most 128 bytes)"
        ));
    }
    Ok(())
}

fn compile(doc: PolicyDocument) -> Result<Policy> {
    if doc.name.trim().is_empty() {
        return Err(err("name", "the policy needs a name (it heads the privacy notice)"));
    }
    if doc.purposes.is_empty() {
        return Err(err("purposes", "declare at least one purpose"));
    }
    if doc.purposes.len() > MAX_ENTRIES || doc.fields.len() > MAX_ENTRIES {
        return Err(err(
            "(document)",
            format!("at most {MAX_ENTRIES} purposes and {MAX_ENTRIES} fields are supported"),
        ));
    }

    // Purposes: keys, duplicates, parents, inherited settings.
    let mut purpose_ids: NameMap<PurposeId> = NameMap::new();
    for (i, p) in doc.purposes.iter().enumerate() {
        let path = format!("purposes.{}", p.key);
        check_dotted_key(&p.key).map_err(|m| err(format!("purposes[{i}].key"), m))?;
        if p.key.split('.').count() > MAX_DEPTH {
            return Err(err(path, format!("purpose hierarchy is deeper than {MAX_DEPTH} levels")));
        }
        if !purpose_ids.insert_new(Arc::from(p.key.as_str()), PurposeId(i as u16)) {
            return Err(err(path, format!("duplicate purpose \"{}\"; each purpose is declared once", p.key)));
        }
    }
    let mut warnings = Vec::new();
    let mut vocabulary = |path: String, taxonomy: Taxonomy, key: &str| -> Result<()> {
        if doc.vocabulary == Strictness::Off {
            return Ok(());
        }
        match vocab::check_key(taxonomy, key) {
            None => Ok(()),
            Some(message) if doc.vocabulary == Strictness::Error => Err(err(path, message)),
            Some(message) => {
                warnings.push(format!("{path}: {message}"));
                Ok(())
            }
        }
    };
    let mut purposes: Vec<Purpose> = Vec::with_capacity(doc.purposes.len());
    // Parents must be resolved first; process in order of depth.
    let mut order: Vec<usize> = (0..doc.purposes.len()).collect();
    order.sort_by_key(|&i| doc.purposes[i].key.split('.').count());
    let mut resolved: Vec<Option<Purpose>> = vec![None; doc.purposes.len()];
    for &i in &order {
        let p = &doc.purposes[i];
        let path = format!("purposes.{}", p.key);
        if p.description.trim().is_empty() {
            return Err(err(
                format!("{path}.description"),
                "describe the purpose in plain language; the privacy notice shows it",
            ));
        }
        let parent = match p.key.rfind('.') {
            None => None,
            Some(dot) => {
                let parent_key = &p.key[..dot];
                match purpose_ids.get(parent_key).as_ref() {
                    Some(&id) => Some(id),
                    None => {
                        return Err(err(
                            path,
                            format!(
                                "parent purpose \"{parent_key}\" is not declared; declare it (with its basis and description) before using \"{}\"",
                                p.key
                            ),
                        ))
                    }
                }
            }
        };
        let parent_p = parent.and_then(|id| resolved[id.index()].as_ref());
        if parent.is_some() && parent_p.is_none() {
            return Err(err(path, "internal ordering error while resolving the parent purpose"));
        }
        let basis = match (p.basis, parent_p) {
            (Some(b), _) => b,
            (None, Some(pp)) => pp.basis,
            (None, None) => {
                return Err(err(
                    format!("{path}.basis"),
                    "a top-level purpose needs a legal basis: consent, contract, legal_obligation, vital_interests, public_task or legitimate_interests",
                ))
            }
        };
        if let (Some(pp), Some(_)) = (parent_p, p.basis) {
            if weaker(basis, pp.basis) {
                return Err(err(
                    format!("{path}.basis"),
                    format!(
                        "\"{}\" would inherit data released to \"{}\" ({}) on the weaker basis {}; give it the same basis as its parent or declare it as a separate purpose",
                        p.key, pp.key, pp.basis, basis
                    ),
                ));
            }
        }
        if p.notice_version == Some(0) {
            return Err(err(format!("{path}.notice_version"), "notice versions start at 1"));
        }
        if let Some(age) = p.max_consent_age {
            if age.is_zero() {
                return Err(err(
                    format!("{path}.max_consent_age"),
                    "a consent that never counts is not useful; omit the setting for no limit",
                ));
            }
        }
        if let Some(du) = &p.data_use {
            check_dotted_key(du).map_err(|m| err(format!("{path}.data_use"), m))?;
            vocabulary(format!("{path}.data_use"), Taxonomy::DataUse, du)?;
        }
        let mut dup_flags = p.flags.clone();
        dup_flags.sort_by_key(|f| *f as u8);
        dup_flags.dedup();
        if dup_flags.len() != p.flags.len() {
            return Err(err(format!("{path}.flags"), "a flag is listed twice"));
        }
        let id = PurposeId(i as u16);
        let mut chain = vec![id];
        let mut chain_keys: Vec<Arc<str>> = vec![Arc::from(p.key.as_str())];
        if let Some(pp) = parent_p {
            chain.extend_from_slice(&pp.chain);
            chain_keys.extend(pp.chain_keys.iter().cloned());
        }
        let words = doc.purposes.len().div_ceil(64);
        let mut lineage = vec![0u64; words];
        for c in &chain {
            lineage[c.index() / 64] |= 1 << (c.index() % 64);
        }
        resolved[i] = Some(Purpose {
            id,
            key: Arc::from(p.key.as_str()),
            description: p.description.clone(),
            basis,
            notice_version: p.notice_version.or(parent_p.map(|pp| pp.notice_version)).unwrap_or(1),
            max_consent_age: p.max_consent_age.or(parent_p.and_then(|pp| pp.max_consent_age)),
            retention: p.retention.or(parent_p.and_then(|pp| pp.retention)),
            data_use: p.data_use.clone().or_else(|| parent_p.and_then(|pp| pp.data_use.clone())),
            flags: p.flags.clone(),
            reidentify: p.reidentify,
            parent,
            chain,
            chain_keys,
            lineage,
        });
    }
    for r in resolved {
        match r {
            Some(p) => purposes.push(p),
            None => return Err(err("purposes", "internal error: a purpose was not resolved")),
        }
    }
    if let Some(tcf) = &doc.tcf {
        tcf.check(
            |key| purpose_ids.get(key).map(|id| purposes[id.index()].basis),
            doc.purposes.iter().map(|p| p.key.as_str()),
        )?;
    }

    // Fields.
    let mut field_ids: NameMap<FieldId> = NameMap::new();
    let mut fields = Vec::with_capacity(doc.fields.len());
    let np = purposes.len();
    let mut table = vec![NO_TAG; np * doc.fields.len()];
    let mut tags: Vec<Tag> = Vec::new();
    for (i, f) in doc.fields.iter().enumerate() {
        check_field_name(&f.name).map_err(|m| err(format!("fields[{i}].name"), m))?;
        let path = format!("fields.{}", f.name);
        if !field_ids.insert_new(Arc::from(f.name.as_str()), FieldId(i as u16)) {
            return Err(err(path, format!("duplicate field \"{}\"; each field is declared once", f.name)));
        }
        check_dotted_key(&f.category).map_err(|m| err(format!("{path}.category"), m))?;
        vocabulary(format!("{path}.category"), Taxonomy::DataCategory, &f.category)?;
        // Declared tags, validated.
        let mut declared: Vec<Option<u32>> = vec![None; np];
        for (pkey, treatment) in &f.purposes.0 {
            let tpath = format!("{path}.purposes.{pkey}");
            let Some(pid) = purpose_ids.get(pkey.as_str()) else {
                let suggestion = closest(pkey, doc.purposes.iter().map(|p| p.key.as_str()))
                    .map(|s| format!("; did you mean \"{s}\"?"))
                    .unwrap_or_else(|| "; declare it under \"purposes\" first".to_string());
                return Err(err(
                    format!("{path}.purposes"),
                    format!("unknown purpose \"{pkey}\"{suggestion}"),
                ));
            };
            if declared[pid.index()].is_some() {
                return Err(err(
                    tpath,
                    format!("purpose \"{pkey}\" is tagged twice for field \"{}\"", f.name),
                ));
            }
            if let Treatment::Pseudonymise(domain) = treatment {
                if domain.trim().is_empty() || domain.len() > 256 {
                    return Err(err(
                        tpath,
                        "a pseudonymisation domain needs a name of 1 to 256 bytes, e.g. \"analytics\"",
                    ));
                }
            }
            tags.push(Tag { treatment: treatment.clone(), declared_on: pid });
            declared[pid.index()] = Some((tags.len() - 1) as u32);
        }
        // Resolve inheritance and check the special-category rule on every purpose that ends up with it.
        for p in &purposes {
            let Some(tag) = p.chain.iter().find_map(|c| declared[c.index()]) else { continue };
            if f.special && !p.basis.can_cover_special_category() {
                let on = &purposes[tags[tag as usize].declared_on.index()].key;
                return Err(err(
                    format!("{path}.purposes.{on}"),
                    format!(
                        "special-category field \"{}\" would reach purpose \"{}\" whose basis {} cannot cover it (Art. 9 GDPR); use a consent-based purpose (explicit consent) or remove the tag",
                        f.name, p.key, p.basis
                    ),
                ));
            }
            table[i * np + p.id.index()] = tag;
        }
        fields.push(Field {
            id: FieldId(i as u16),
            name: Arc::from(f.name.as_str()),
            category: f.category.clone(),
            special: f.special,
            normaliser: f.normaliser,
        });
    }

    Ok(Policy { document: doc, purposes, purpose_ids, fields, field_ids, table, tags, warnings })
}

/// Whether a child's own basis is weaker than its parent's, so that the child would receive the
/// parent's data with less justification. Consent is the strongest for this comparison: a child of a
/// consent purpose must also rest on consent; other bases may be refined freely except into
/// legitimate interests.
fn weaker(child: LegalBasis, parent: LegalBasis) -> bool {
    child != parent && (parent == LegalBasis::Consent || child == LegalBasis::LegitimateInterests)
}
