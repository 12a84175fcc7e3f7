using Comb.Contracts;
using Comb.Secrets.Engine;
using Comb.Secrets.Files;
using Comb.Secrets.Rules;
using Tomlyn;
using Tomlyn.Model;

namespace Comb.Secrets.Config;

/// <summary>
/// Reads a gitleaks configuration (TOML) as a secret config, so teams keep the rules and allow-lists they
/// already maintain. Rules keep gitleaks' ids and semantics: the capture group named by <c>secretGroup</c>
/// (else the first one) is the secret, <c>entropy</c> is its floor, <c>keywords</c> gate the rule, <c>path</c>
/// limits it (a rule with only a path reports the file itself), and allow-lists apply to the secret, the
/// match or the line (<c>regexTarget</c>), to paths and to stopwords, combined with OR or AND
/// (<c>condition</c>). The top-level <c>[allowlist]</c>/<c>[[allowlists]]</c> apply to every rule.
/// Without <c>[extend] useDefault = true</c> the file is a complete rule set and Comb's built-in content rules
/// stay off; with it they run too, and a rule with a built-in's id replaces that built-in.
/// Gitleaks rules carry no severity; they are reported as high.
/// </summary>
public static class GitleaksConfigReader
{
    public static SecretConfig Parse(string toml, string source)
    {
        TomlTable root;
        try
        {
            root = TomlSerializer.Deserialize<TomlTable>(toml) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new CombInputException($"{source}:{ex.Line}: invalid TOML: {ex.Message}", ex);
        }

        var extend = root.TryGetValue("extend", out var e) ? e as TomlTable : null;
        var useDefault = extend is not null && extend.TryGetValue("useDefault", out var u) && u is true;
        var disabled = extend is null ? [] : Strings(extend, "disabledRules", source, "[extend]").ToHashSet(StringComparer.Ordinal);

        var contentRules = new List<SecretRule>();
        var fileRules = new List<SensitiveFileRule>();
        var index = 0;
        foreach (var table in Tables(root, "rules"))
        {
            index++;
            var where = $"rule {index}";
            var id = Str(table, "id") ?? throw new CombInputException($"{source}: {where} has no 'id'");
            where = $"rule '{id}'";
            var title = Str(table, "description") ?? id;
            var path = Str(table, "path") is { } p ? CheckRegex(GoRegex.ToDotNet(p, -1), source, where) : null;
            var regex = Str(table, "regex");
            var allow = Allowlists(table, source, where);
            if (regex is null)
            {
                if (path is null)
                {
                    throw new CombInputException($"{source}: {where} has neither 'regex' nor 'path'");
                }

                fileRules.Add(new SensitiveFileRule { Id = id, Title = title, Category = "gitleaks", Severity = Severity.High, PathPattern = path, MinSize = 0 });
                continue;
            }

            var secretGroup = table.TryGetValue("secretGroup", out var g) && g is long n ? (int)n : 0;
            contentRules.Add(new SecretRule
            {
                Id = id,
                Title = title,
                Category = "gitleaks",
                Severity = Severity.High,
                Keywords = [.. Strings(table, "keywords", source, where).Select(k => k.ToLowerInvariant())],
                Pattern = CheckRegex(Translate(regex, secretGroup, source, where), source, where),
                MinEntropy = table.TryGetValue("entropy", out var en) ? Number(en, source, where) : null,
                PathPattern = path,
                AllowPaths = allow.Paths,
                AllowCombinations = allow.Combinations,
                // gitleaks' own checks only: Comb's generic placeholder filter would change its results.
                KeepPlaceholders = true,
            });
        }

        var global = Allowlists(root, source, "the global allow-list");
        var ids = contentRules.Select(r => r.Id).Concat(fileRules.Select(r => r.Id)).ToHashSet(StringComparer.Ordinal);
        if (useDefault)
        {
            disabled.UnionWith(ids.Where(BuiltinIds.Contains));
        }

        return new SecretConfig
        {
            UseBuiltinRules = useDefault,
            UseDefaultAllowPaths = useDefault,
            DisabledRules = disabled,
            Rules = contentRules,
            FileRules = fileRules,
            AllowPaths = global.Paths,
            AllowCombinations = global.Combinations,
        };
    }

    private static readonly HashSet<string> BuiltinIds =
        BuiltinRules.All.Select(r => r.Id).Concat(SensitiveFileRules.All.Select(r => r.Id)).ToHashSet(StringComparer.Ordinal);

    private sealed record Allow(List<string> Paths, List<AllowCombination> Combinations);

    // The allow-lists of a rule or of the whole file: [[allowlists]] tables, or the older single [allowlist] table.
    private static Allow Allowlists(TomlTable owner, string source, string where)
    {
        var tables = Tables(owner, "allowlists").ToList();
        if (owner.TryGetValue("allowlist", out var single) && single is TomlTable t)
        {
            tables.Add(t);
        }

        return Convert(tables, source, where);
    }

    // OR lists become one combination per criterion (paths alone become path allow-lists, checked once per
    // file); an AND list becomes one combination of all its criteria.
    private static Allow Convert(IEnumerable<TomlTable> tables, string source, string where)
    {
        var paths = new List<string>();
        var combinations = new List<AllowCombination>();
        foreach (var table in tables)
        {
            var condition = (Str(table, "condition") ?? "OR").ToUpperInvariant();
            if (condition is not ("OR" or "AND"))
            {
                throw new CombInputException($"{source}: {where}: allow-list condition '{condition}' is neither OR nor AND");
            }

            var target = (Str(table, "regexTarget") ?? "secret").ToLowerInvariant();
            var regexes = Strings(table, "regexes", source, where).Select(r => CheckRegex(GoRegex.ToDotNet(r, -1), source, where)).ToList();
            var listPaths = Strings(table, "paths", source, where).Select(r => CheckRegex(GoRegex.ToDotNet(r, -1), source, where)).ToList();
            var stopwords = Strings(table, "stopwords", source, where).ToList();
            var byTarget = target switch
            {
                "secret" => new AllowCombination { Values = regexes },
                "match" => new AllowCombination { Matches = regexes },
                "line" => new AllowCombination { Lines = regexes },
                _ => throw new CombInputException($"{source}: {where}: regexTarget '{target}' is not secret, match or line"),
            };

            if (condition == "AND")
            {
                combinations.Add(byTarget with { Paths = listPaths, Stopwords = stopwords });
                continue;
            }

            paths.AddRange(listPaths);
            if (regexes.Count > 0)
            {
                combinations.Add(byTarget);
            }

            if (stopwords.Count > 0)
            {
                combinations.Add(new AllowCombination { Stopwords = stopwords });
            }
        }

        return new Allow(paths, combinations);
    }

    private static string Translate(string regex, int secretGroup, string source, string where)
    {
        try
        {
            return GoRegex.ToDotNet(regex, secretGroup);
        }
        catch (ArgumentException ex)
        {
            throw new CombInputException($"{source}: {where}: {ex.Message}", ex);
        }
    }

    private static string CheckRegex(string pattern, string source, string where)
    {
        try
        {
            RegexFactory.Validate(pattern);
            return pattern;
        }
        catch (ArgumentException ex)
        {
            throw new CombInputException($"{source}: {where}: invalid regex '{pattern}': {ex.Message}", ex);
        }
    }

    private static string? Str(TomlTable table, string key) => table.TryGetValue(key, out var v) ? v as string : null;

    private static double Number(object? value, string source, string where) => value switch
    {
        double d => d,
        long l => l,
        _ => throw new CombInputException($"{source}: {where}: 'entropy' must be a number"),
    };

    private static IEnumerable<TomlTable> Tables(TomlTable table, string key) =>
        table.TryGetValue(key, out var v) ? v switch
        {
            TomlTableArray a => a,
            TomlArray arr => arr.OfType<TomlTable>(),
            _ => [],
        } : [];

    private static IEnumerable<string> Strings(TomlTable table, string key, string source, string where)
    {
        if (!table.TryGetValue(key, out var v))
        {
            return [];
        }

        return v is TomlArray array && array.All(x => x is string)
            ? array.Cast<string>()
            : throw new CombInputException($"{source}: {where}: '{key}' must be a list of strings");
    }

}
