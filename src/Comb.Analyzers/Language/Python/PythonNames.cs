using System.Text;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Python;

internal static class PythonNames
{
    /// <summary>PEP 503: lower case, runs of '-', '_' and '.' become one '-'.</summary>
    public static string Normalize(string name)
    {
        var sb = new StringBuilder(name.Length);
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

    public static string Purl(string name, string version) =>
        PackageUrl.Create(PackageTypes.PyPI, null, Normalize(name), version.Length == 0 ? null : version);
}
