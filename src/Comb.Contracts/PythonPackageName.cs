using System.Text;

namespace Comb.Contracts;

/// <summary>Python package names as PyPI compares them (PEP 503), shared by the analyzers and the matcher.</summary>
public static class PythonPackageName
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
}
