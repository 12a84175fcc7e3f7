namespace Comb.Secrets.Rules;

/// <summary>
/// Values that have the exact shape of a credential but are published on purpose: Google browser API
/// keys embedded in public client code (Chromium, Firebase samples) that countless repositories carry.
/// Reporting them is noise, not a leak.
/// </summary>
internal static class KnownPublicValues
{
    public static readonly IReadOnlyList<string> GoogleBrowserKeys =
    [
        "^AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs$",
        "^AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM$",
        "^AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU$",
        "^AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0$",
        "^AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A$",
        "^AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c$",
        "^AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4$",
        "^AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY$",
        "^AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM$",
        "^AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ$",
        "^AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g$",
        "^AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU$",
        "^AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw$",
        "^AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE$",
        "^AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY$",
    ];
}
