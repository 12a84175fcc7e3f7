using Comb.Contracts;

namespace Comb.Secrets.Config;

/// <summary>Published values of a gitleaks rule set, for the advisory import (see <see cref="PublishedSecretValues"/>).</summary>
public sealed class GitleaksPublishedValueReader : IPublishedSecretValueReader
{
    public IReadOnlyList<string> Read(string ruleSet, string source) => PublishedSecretValues.FromGitleaksConfig(ruleSet, source);
}
