using System.Text.RegularExpressions;

namespace Comb.Analyzers.Os;

/// <summary>
/// Licences named by a Debian copyright file. A machine-readable file (DEP-5) names them in "License:" fields, as
/// expressions of Debian short names ("GPL-2+ or Artistic"); older free-form files are read by heuristics: the
/// /usr/share/common-licenses/NAME files they point at and a few unmistakable licence phrases. Debian short names
/// become SPDX ids where the meaning is exact (GPL-2+ is GPL-2.0-or-later, Expat is MIT); others stay as written.
/// </summary>
internal static partial class DebianCopyright
{
    private static readonly Dictionary<string, string> ShortNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Expat"] = "MIT",
        ["Artistic"] = "Artistic-1.0-Perl",
        ["Perl"] = "Artistic-1.0-Perl OR GPL-1.0-or-later",
        ["BSD-2-clause"] = "BSD-2-Clause",
        ["BSD-3-clause"] = "BSD-3-Clause",
        ["BSD-4-clause"] = "BSD-4-Clause",
        ["Apache-2"] = "Apache-2.0",
        ["Artistic-2"] = "Artistic-2.0",
        ["MPL-2"] = "MPL-2.0",
        ["Zlib"] = "Zlib",
        ["ISC"] = "ISC",
        ["CC0"] = "CC0-1.0",
    };

    private static readonly (string Phrase, string License)[] Phrases =
    [
        ("Permission is hereby granted, free of charge, to any person obtaining", "MIT"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("Mozilla Public License Version 2.0", "MPL-2.0"),
    ];

    public static IReadOnlyList<string> Licenses(string text)
    {
        var found = new List<string>();
        void Add(string license)
        {
            if (license.Length > 0 && !found.Contains(license, StringComparer.Ordinal))
            {
                found.Add(license);
            }
        }

        var machineReadable = text.StartsWith("Format:", StringComparison.OrdinalIgnoreCase) || text.StartsWith("Format-Specification:", StringComparison.OrdinalIgnoreCase);
        foreach (Match m in LicenseField().Matches(text))
        {
            foreach (var name in SplitExpression(m.Groups[1].Value))
            {
                Add(Normalize(name));
            }
        }

        if (found.Count > 0 || machineReadable)
        {
            return found;
        }

        foreach (Match m in CommonLicense().Matches(text))
        {
            Add(Normalize(m.Groups[1].Value.TrimEnd('.')));
        }

        foreach (var (phrase, license) in Phrases)
        {
            if (text.Contains(phrase, StringComparison.OrdinalIgnoreCase))
            {
                Add(license);
            }
        }

        return found;
    }

    /// <summary>"GPL-2+ or Artistic-1.0, and MIT" into its operand names; "with ... exception" clauses dropped.</summary>
    private static IEnumerable<string> SplitExpression(string expression)
    {
        var withless = WithClause().Replace(expression, "");
        return AndOr().Split(withless).Select(s => s.Trim().Trim('(', ')', ',').Trim()).Where(s => s.Length > 0 && !s.Contains(' ', StringComparison.Ordinal));
    }

    /// <summary>Debian short name to SPDX id where the two agree; anything else as written.</summary>
    public static string Normalize(string name)
    {
        if (ShortNames.TryGetValue(name, out var mapped))
        {
            return mapped;
        }

        var gnu = GnuName().Match(name);
        if (gnu.Success)
        {
            var version = gnu.Groups[2].Value.Contains('.', StringComparison.Ordinal) ? gnu.Groups[2].Value : gnu.Groups[2].Value + ".0";
            return $"{gnu.Groups[1].Value.ToUpperInvariant()}-{version}-{(gnu.Groups[3].Success ? "or-later" : "only")}";
        }

        return name;
    }

    [GeneratedRegex(@"^License:[ \t]*(\S[^\r\n]*)", RegexOptions.Multiline)]
    private static partial Regex LicenseField();

    [GeneratedRegex(@"/usr/share/common-licenses/([0-9A-Za-z_.+\-]+)")]
    private static partial Regex CommonLicense();

    [GeneratedRegex(@"\s+with\s+\S+(\s+exception)?", RegexOptions.IgnoreCase)]
    private static partial Regex WithClause();

    [GeneratedRegex(@"\s+(?:or|and)\s+|\s*[|&,]\s*", RegexOptions.IgnoreCase)]
    private static partial Regex AndOr();

    [GeneratedRegex(@"^(GPL|LGPL|AGPL|GFDL)-(\d(?:\.\d)?)(\+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex GnuName();
}
