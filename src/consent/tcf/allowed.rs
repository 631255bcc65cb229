//! What the string signals for one vendor and one purpose, after publisher restrictions.

use super::model::{RestrictionType, TcString};

impl TcString {
    /// The legal bases the string signals for `vendor_id` processing under TCF `purpose` (1–24), after
    /// publisher restrictions, as `(consent, legitimate_interest)`.
    ///
    /// - `consent` needs the user's consent for the purpose (`PurposesConsent`) *and* for the vendor
    ///   (`VendorConsents`).
    /// - `legitimate_interest` needs legitimate-interest transparency for the purpose
    ///   (`PurposesLITransparency`) *and* for the vendor (`VendorLegitimateInterests`). It is never
    ///   signalled for purpose 1, which the Policies allow only on consent, nor, from policy version 4
    ///   (TCF v2.2) on, for purposes 3–6, for which v2.2 removed legitimate interest (specification §
    ///   "Why was support for legitimate interest for purposes 3 to 6 deprecated?").
    /// - Publisher restrictions for this purpose that list the vendor then apply: type 0 (not allowed)
    ///   clears both; type 1 (require consent) clears `legitimate_interest`; type 2 (require legitimate
    ///   interest) clears `consent`. A vendor listed under both 1 and 2 gets neither (the string
    ///   contradicts itself, so the stricter reading wins). Type 3 is undefined and ignored.
    /// - If the string has a disclosed-vendors segment and the vendor is not in it, both are `false`:
    ///   TCF v2.3 exists so that a vendor the user never saw is not read as consented to.
    /// - A purpose outside 1–24 yields `(false, false)`.
    ///
    /// What this cannot know: the vendor's declarations in the Global Vendor List. Per the
    /// specification a restriction of type 1 or 2 changes the legal basis only for purposes the vendor
    /// declared *flexible*; for a non-flexible purpose the vendor "should not process" when the
    /// restriction demands the basis it did not register, and "can ignore" it otherwise. The caller
    /// picks the basis the vendor registered (or the one the restriction demands, if flexible) and
    /// reads that half of the pair. Validity of the string as a whole is
    /// [`validate`](super::validate)'s job.
    ///
    /// ```
    /// use zweck::consent::tcf::TcString;
    /// // iabtcf-es ReportedIssues.test.ts, issue 201 (commit 05632433): purpose 1 carries a
    /// // require-consent restriction for vendors 7, 20, 71, 122, 140 and 183.
    /// # let s = "CO4VGswO4VGswAfZCBDEAzCsAP_AAH_AAAigGUNf_X9fb2vj-_599_t0eY1f9_63t-wzjheMs-8NyZ-X_J4Wv2MyvB34JqQKGRgkunLBAQdtHGncTQgBwIlViTLMY02MjzNKJrJEilsbe2dYGH9vn8XT_ZKZ70-_v__7v3___33_5Ayhr_6_r7e18f3_Pvv9ujzGr_v_W9v2GccLxln3huTPy_5PC1-xmV4O_BNSBQyMEl05YICDto407iaEAOBEqsSZZjGmxkeZpRNZIkUtjb2zrAw_t8_i6f7JTPen39___d-___--__ICgKAOAAcAA4AFAAjgB6AEYALcGACAW0AtoJAHAAOAAcACgARwA9ACMAFuFABALaAW0GgDgAHAAOABQAI4AegBGAC3DgAgFtALaEQBwADgAHAAoAEcAPQAjABbiQAQC2gFtCoA4ABwADgAUACOAHoARgAtxYAIBbQC2hkAcAA4ABwAKABHAD0AIwAW40AEAtoBbQ6AOAAcAA4AFAAjgB6AEYALceACAW0AtohAHAAOAAcACgARwA9ACMAFuRABALaAW0SgDgAHAAOABQAI4AegBGAC3JgAgFtALaKQBwADgAHAAoAEcAPQAjABblQAQC2gFtA";
    /// let tc = TcString::decode(s)?;
    /// let (consent, li) = tc.vendor_allowed(7, 1);
    /// assert!(!li, "purpose 1 never rests on legitimate interest");
    /// assert_eq!(consent, tc.purpose_consents.contains(&1) && tc.vendor_consents.contains(7));
    /// assert_eq!(tc.vendor_allowed(7, 0), (false, false));
    /// # Ok::<(), zweck::consent::tcf::TcfError>(())
    /// ```
    pub fn vendor_allowed(&self, vendor_id: u16, purpose: u8) -> (bool, bool) {
        if !(1..=24).contains(&purpose) {
            return (false, false);
        }
        if self.disclosed_vendors.as_ref().is_some_and(|d| !d.contains(vendor_id)) {
            return (false, false);
        }
        let mut consent =
            self.purpose_consents.contains(&purpose) && self.vendor_consents.contains(vendor_id);
        let li_forbidden = purpose == 1 || (self.policy_version >= 4 && (3..=6).contains(&purpose));
        let mut li = !li_forbidden
            && self.purpose_legitimate_interests.contains(&purpose)
            && self.vendor_legitimate_interests.contains(vendor_id);
        for r in &self.publisher_restrictions {
            if r.purpose_id != purpose || !r.vendors.contains(vendor_id) {
                continue;
            }
            match r.restriction_type {
                RestrictionType::NotAllowed => (consent, li) = (false, false),
                RestrictionType::RequireConsent => li = false,
                RestrictionType::RequireLegitimateInterest => consent = false,
                RestrictionType::Undefined => {}
            }
        }
        (consent, li)
    }
}
