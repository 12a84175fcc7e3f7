namespace Comb.Contracts;

/// <summary>
/// Source of published, non-secret values (documentation sample passwords, API keys shipped in public client
/// code): the secret scanner does not report them. They are data kept with the advisory feeds.
/// </summary>
public interface IPublishedSecretValueSource
{
    /// <summary>The values known to the scan's advisory database; empty when there is none.</summary>
    IReadOnlyCollection<string> Load(ScanOptions options);
}
