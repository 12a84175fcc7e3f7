namespace Comb.Server.Policies;

/// <summary>A stored policy as a scan applies it: the policy YAML (docs/policy.md) with its live exceptions merged in.</summary>
public sealed record ResolvedPolicy(string Name, string Yaml, string Revision);

/// <summary>The server's stored policies, by name; scans submitted with <c>"policy": "NAME"</c> are judged by it.</summary>
public interface IPolicyCatalog
{
    /// <summary>The policy as it stands now (expired exceptions left out), or null when no policy has that name.</summary>
    Task<ResolvedPolicy?> ResolveAsync(string name, CancellationToken cancellationToken);
}
