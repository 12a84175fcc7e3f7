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

    /// <summary>PEP 503: lower case, runs of '-', '_' and '.' become one '-'.</summary>
    public static string Pep503(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length);
        var pendingDash = false;
        foreach (var c in name.Trim())
        {
            if (c is '-' or '_' or '.')
            {
                pendingDash = sb.Length > 0;
                continue;
            }

            if (pendingDash)
            {
                sb.Append('-');
                pendingDash = false;
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
