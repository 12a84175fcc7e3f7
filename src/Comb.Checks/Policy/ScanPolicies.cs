using System.Runtime.CompilerServices;
using Comb.Contracts;

namespace Comb.Checks.Policy;

/// <summary>
/// A scan's policy, parsed once per scan although the trust stage and the verdict both read it: kept with the
/// scan's options (the one instance a scan passes to its stages and its verdict) and dropped with them.
/// </summary>
public static class ScanPolicies
{
    private static readonly ConditionalWeakTable<ScanOptions, Task<PolicyDocument?>> Parsed = [];

    /// <summary>Whether the scan names a policy other than the built-in one (which has no trust section).</summary>
    public static bool HasCustomPolicy(ScanOptions options) =>
        options.Policy is not null || (options.PolicyFile is { } path && !PolicyLoader.IsDefault(path));

    /// <summary>The scan's policy (content, file or the built-in "default"), or null when it names none.</summary>
    public static Task<PolicyDocument?> GetAsync(ScanOptions options, CancellationToken cancellationToken) =>
        // Loaded without the caller's token: the task is shared, and one caller's cancellation must not fail another.
        Parsed.GetValue(options, o => LoadAsync(o)).WaitAsync(cancellationToken);

    private static async Task<PolicyDocument?> LoadAsync(ScanOptions options)
    {
        if (options.Policy is { } document)
        {
            return document.Content is { } content
                ? PolicyLoader.LoadContent(document.Name, content)
                : await PolicyLoader.LoadFileAsync(document.FilePath!, CancellationToken.None).ConfigureAwait(false);
        }

        return options.PolicyFile is { } source ? await PolicyLoader.LoadAsync(source, CancellationToken.None).ConfigureAwait(false) : null;
    }
}
