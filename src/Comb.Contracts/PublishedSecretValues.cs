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

/// <summary>
/// Takes the published values out of a secret scanner's rule set (a gitleaks configuration) when advisory feeds are
/// imported. The secret scanner provides it, so the advisory database stores the values without knowing the scanner.
/// </summary>
public interface IPublishedSecretValueReader
{
    /// <summary>The rule set's published values, sorted and unique; <paramref name="source"/> names it in errors.</summary>
    IReadOnlyList<string> Read(string ruleSet, string source);
}
