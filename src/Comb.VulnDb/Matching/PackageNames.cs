namespace Comb.VulnDb.Matching;

/// <summary>Normalises package names the way each ecosystem compares them, so the DB lookup is one exact match.</summary>
internal static class PackageNames
{
    public static string Normalize(string ecosystem, string name)
    {
        var colon = ecosystem.IndexOf(':', StringComparison.Ordinal);
        var baseEcosystem = colon < 0 ? ecosystem : ecosystem[..colon];
        return baseEcosystem switch
        {
            // Go module paths are case-sensitive (github.com/Sirupsen vs sirupsen are different modules).
            "Go" => name.Trim(),
            "PyPI" => Pep503(name),
            _ => name.Trim().ToLowerInvariant(),
        };
    }

    /// <summary>PEP 503 normalisation.</summary>
    public static string Pep503(string name) => Contracts.PythonPackageName.Normalize(name);
}
