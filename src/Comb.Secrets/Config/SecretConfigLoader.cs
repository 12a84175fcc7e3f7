using System.Globalization;
using System.Text.RegularExpressions;
using Comb.Contracts;
using Comb.Secrets.Engine;
using Comb.Secrets.Files;
using Comb.Secrets.Rules;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Comb.Secrets.Config;

/// <summary>
/// Reads a --secret-config YAML file (format in docs/secrets.md). Every mistake - unknown key, bad
/// regex, unknown rule id, bad severity - is a <see cref="CombInputException"/> naming file and line.
/// </summary>
public static class SecretConfigLoader
{
    private static readonly HashSet<string> TopKeys =
        ["rules", "disable-rules", "enable-rules", "severity", "allow", "sensitive-files", "max-file-size", "default-allow-paths"];

    private static readonly HashSet<string> RuleKeys =
        ["id", "title", "category", "severity", "keywords", "regex", "entropy", "path", "allow"];

    private static readonly HashSet<string> AllowKeys = ["paths", "regexes", "values", "stopwords", "lines"];

    private static readonly HashSet<string> FileKeys = ["enabled", "rules"];

    private static readonly HashSet<string> FileRuleKeys = ["id", "title", "category", "severity", "path", "content", "allow-paths"];

    /// <summary>Secret rules given as content or as a file (gitleaks TOML when the name ends in .toml, else YAML).</summary>
    public static SecretConfig Load(ScanDocument document) =>
        document.Content is not { } content ? LoadFile(document.FilePath!)
        : document.Name.EndsWith(".toml", StringComparison.OrdinalIgnoreCase) ? GitleaksConfigReader.Parse(content, document.Name) : Parse(content, document.Name);

    public static SecretConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CombInputException($"Cannot read secret config '{path}': {ex.Message}", ex);
        }

        // A gitleaks configuration is TOML; Comb's own format is YAML.
        return path.EndsWith(".toml", StringComparison.OrdinalIgnoreCase) ? GitleaksConfigReader.Parse(text, path) : Parse(text, path);
    }

    public static SecretConfig Parse(string yaml, string source = "secret config")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new CombInputException($"{source}:{ex.Start.Line}: invalid YAML: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return SecretConfig.Default;
        }

        var reader = new Reader(source);
        var root = reader.Map(stream.Documents[0].RootNode, "the document");
        reader.CheckKeys(root, TopKeys);

        var builtinIds = BuiltinRules.All.Select(r => r.Id).Concat(SensitiveFileRules.All.Select(r => r.Id)).ToHashSet(StringComparer.Ordinal);
        var customRules = reader.Seq(root, "rules").Select(n => reader.ContentRule(n)).ToList();
        var fileSection = reader.OptionalMap(root, "sensitive-files");
        var fileRules = fileSection is null ? [] : reader.Seq(fileSection, "rules").Select(n => reader.FileRule(n)).ToList();
        if (fileSection is not null)
        {
            reader.CheckKeys(fileSection, FileKeys);
        }

        var known = builtinIds.Concat(customRules.Select(r => r.Id)).Concat(fileRules.Select(r => r.Id)).Append(SecretVariables.RuleId).ToHashSet(StringComparer.Ordinal);
        var duplicates = customRules.Select(r => r.Id).Concat(fileRules.Select(r => r.Id)).Where(builtinIds.Contains).ToList();
        if (duplicates.Count > 0)
        {
            throw new CombInputException($"{source}: custom rule id '{duplicates[0]}' clashes with a built-in rule; pick another id or disable the built-in one.");
        }

        var severities = new Dictionary<string, Severity>(StringComparer.Ordinal);
        if (reader.OptionalMap(root, "severity") is { } sevMap)
        {
            foreach (var (key, value) in sevMap.Children)
            {
                var id = reader.Scalar(key, "severity rule id");
                reader.RequireKnown(key, id, known);
                severities[id] = reader.SeverityOf(value);
            }
        }

        var allow = reader.OptionalMap(root, "allow");
        if (allow is not null)
        {
            reader.CheckKeys(allow, AllowKeys);
        }

        return new SecretConfig
        {
            Rules = customRules,
            FileRules = fileRules,
            DisabledRules = reader.IdList(root, "disable-rules", known),
            EnabledRules = reader.IdList(root, "enable-rules", known),
            SeverityOverrides = severities,
            AllowPaths = allow is null ? [] : reader.Regexes(allow, "paths"),
            AllowRegexes = allow is null ? [] : reader.Regexes(allow, "regexes"),
            AllowValues = allow is null ? [] : reader.Strings(allow, "values"),
            SensitiveFilesEnabled = fileSection is null || reader.Bool(fileSection, "enabled", true),
            UseDefaultAllowPaths = reader.Bool(root, "default-allow-paths", true),
            MaxFileBytes = reader.Size(root, "max-file-size"),
        };
    }

    /// <summary>Walks the YAML tree, turning shape errors into located input errors.</summary>
    private sealed class Reader(string source)
    {
        private static readonly Regex IdShape = new("^[a-z0-9]+(?:-[a-z0-9]+)*$", RegexOptions.CultureInvariant);

        public CombInputException Error(YamlNode node, string message) =>
            new($"{source}:{node.Start.Line}: {message}");

        public YamlMappingNode Map(YamlNode node, string what) =>
            node as YamlMappingNode ?? throw Error(node, $"{what} must be a mapping");

        public YamlMappingNode? OptionalMap(YamlMappingNode parent, string key) =>
            Child(parent, key) is { } n ? Map(n, $"'{key}'") : null;

        public string Scalar(YamlNode node, string what) =>
            node is YamlScalarNode { Value: { } v } ? v : throw Error(node, $"{what} must be a single value");

        public YamlNode? Child(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;

        public void CheckKeys(YamlMappingNode map, HashSet<string> allowed)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = Scalar(key, "a key");
                if (!allowed.Contains(name))
                {
                    throw Error(key, $"unknown key '{name}' (expected one of: {string.Join(", ", allowed.Order(StringComparer.Ordinal))})");
                }
            }
        }

        public IEnumerable<YamlNode> Seq(YamlMappingNode parent, string key) => Child(parent, key) switch
        {
            null => [],
            YamlSequenceNode s => s.Children,
            var other => throw Error(other, $"'{key}' must be a list"),
        };

        public List<string> Strings(YamlMappingNode parent, string key) =>
            [.. Seq(parent, key).Select(n => Scalar(n, $"an entry of '{key}'"))];

        public List<string> Regexes(YamlMappingNode parent, string key) =>
            [.. Seq(parent, key).Select(n => CheckRegex(n, Scalar(n, $"an entry of '{key}'")))];

        public string CheckRegex(YamlNode node, string pattern)
        {
            try
            {
                RegexFactory.Validate(pattern);
                return pattern;
            }
            catch (ArgumentException ex)
            {
                throw Error(node, $"invalid regex '{pattern}': {ex.Message}");
            }
        }

        public HashSet<string> IdList(YamlMappingNode parent, string key, HashSet<string> known)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var n in Seq(parent, key))
            {
                var id = Scalar(n, $"an entry of '{key}'");
                RequireKnown(n, id, known);
                ids.Add(id);
            }

            return ids;
        }

        public void RequireKnown(YamlNode node, string id, HashSet<string> known)
        {
            if (!known.Contains(id))
            {
                throw Error(node, $"unknown rule id '{id}'");
            }
        }

        public Severity SeverityOf(YamlNode node)
        {
            var text = Scalar(node, "a severity");
            var severity = SeverityNames.Parse(text);
            return severity == Severity.Unknown && !text.Equals("unknown", StringComparison.OrdinalIgnoreCase)
                ? throw Error(node, $"unknown severity '{text}' (use critical, high, medium, low)")
                : severity;
        }

        public bool Bool(YamlMappingNode parent, string key, bool fallback) => Child(parent, key) switch
        {
            null => fallback,
            var n => bool.TryParse(Scalar(n, $"'{key}'"), out var b) ? b : throw Error(n, $"'{key}' must be true or false"),
        };

        public long? Size(YamlMappingNode parent, string key)
        {
            if (Child(parent, key) is not { } node)
            {
                return null;
            }

            var text = Scalar(node, $"'{key}'").Trim();
            var m = Regex.Match(text, @"^(?<n>\d+)\s*(?<u>[kmg]i?b?|b)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            if (!m.Success)
            {
                throw Error(node, $"'{key}' must be a size like 10485760, 512KB or 10MB");
            }

            var n = long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            var unit = m.Groups["u"].Value.ToUpperInvariant();
            var factor = unit.Length == 0 || unit == "B" ? 1L : unit[0] switch { 'K' => 1024L, 'M' => 1024L * 1024, _ => 1024L * 1024 * 1024 };
            return n * factor > 0 ? n * factor : throw Error(node, $"'{key}' must be positive");
        }

        public SecretRule ContentRule(YamlNode node)
        {
            var map = Map(node, "a rule");
            CheckKeys(map, RuleKeys);
            var id = RequiredId(map, node);
            var regexNode = Child(map, "regex") ?? throw Error(node, $"rule '{id}' needs a 'regex'");
            var pattern = CheckRegex(regexNode, Scalar(regexNode, "'regex'"));
            var allow = Child(map, "allow") is { } a ? Map(a, "'allow'") : null;
            if (allow is not null)
            {
                CheckKeys(allow, AllowKeys);
            }

            var entropy = Child(map, "entropy") is { } e
                ? double.TryParse(Scalar(e, "'entropy'"), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is >= 0 and <= 8 ? d : throw Error(e, "'entropy' must be a number between 0 and 8")
                : (double?)null;
            return new SecretRule
            {
                Id = id,
                Title = Child(map, "title") is { } t ? Scalar(t, "'title'") : id,
                Category = Child(map, "category") is { } c ? Scalar(c, "'category'") : "custom",
                Severity = Child(map, "severity") is { } s ? SeverityOf(s) : Severity.High,
                Keywords = [.. Strings(map, "keywords").Select(k => KeywordOf(map, k))],
                Pattern = pattern,
                MinEntropy = entropy,
                PathPattern = Child(map, "path") is { } p ? CheckRegex(p, Scalar(p, "'path'")) : null,
                AllowPaths = allow is null ? [] : Regexes(allow, "paths"),
                AllowValues = allow is null ? [] : [.. Regexes(allow, "regexes"), .. Strings(allow, "values").Select(v => "^" + Regex.Escape(v) + "$")],
                AllowLines = allow is null ? [] : Regexes(allow, "lines"),
                Stopwords = allow is null ? [] : Strings(allow, "stopwords"),
            };
        }

        public SensitiveFileRule FileRule(YamlNode node)
        {
            var map = Map(node, "a sensitive-file rule");
            CheckKeys(map, FileRuleKeys);
            var id = RequiredId(map, node);
            var pathNode = Child(map, "path") ?? throw Error(node, $"file rule '{id}' needs a 'path' regex");
            return new SensitiveFileRule
            {
                Id = id,
                Title = Child(map, "title") is { } t ? Scalar(t, "'title'") : id,
                Category = Child(map, "category") is { } c ? Scalar(c, "'category'") : "sensitive-file",
                Severity = Child(map, "severity") is { } s ? SeverityOf(s) : Severity.High,
                PathPattern = CheckRegex(pathNode, Scalar(pathNode, "'path'")),
                ContentPattern = Child(map, "content") is { } cn ? CheckRegex(cn, Scalar(cn, "'content'")) : null,
                AllowPaths = Regexes(map, "allow-paths"),
            };
        }

        private string KeywordOf(YamlMappingNode map, string keyword) =>
            keyword.Length > 0 && keyword.All(char.IsAscii) ? keyword.ToLowerInvariant() : throw Error(map, $"keyword '{keyword}' must be non-empty ASCII");

        private string RequiredId(YamlMappingNode map, YamlNode node)
        {
            var idNode = Child(map, "id") ?? throw Error(node, "a rule needs an 'id'");
            var id = Scalar(idNode, "'id'");
            return IdShape.IsMatch(id) ? id : throw Error(idNode, $"rule id '{id}' must be kebab-case (a-z, 0-9, '-')");
        }
    }
}
