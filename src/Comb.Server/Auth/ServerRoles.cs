namespace Comb.Server.Auth;

/// <summary>The three roles a token carries, and the authorization policy names endpoints require.</summary>
public static class ServerRoles
{
    /// <summary>Everything: tokens, policies, exceptions, audit log, and what the other roles may do.</summary>
    public const string Admin = "admin";

    /// <summary>Submit and cancel scans, and read.</summary>
    public const string Scanner = "scanner";

    /// <summary>Read only.</summary>
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Scanner, Viewer];

    /// <summary>Policy: any valid token (admin, scanner or viewer).</summary>
    public const string CanRead = "comb-read";

    /// <summary>Policy: scanner or admin.</summary>
    public const string CanScan = "comb-scan";

    /// <summary>Policy: admin only.</summary>
    public const string CanAdminister = "comb-admin";

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
