using System.Text.RegularExpressions;
using Comb.Secrets.Rules;

namespace Comb.Secrets.Engine;

/// <summary>A rule with its regexes built (lazily: most rules never see a keyword hit in a given scan).</summary>
internal sealed class CompiledRule
{
    private readonly Lazy<(TieredRegex Regex, int SecretGroup)> _regex;
    private readonly TieredRegex[] _allowValues;
    private readonly TieredRegex[] _allowMatches;
    private readonly TieredRegex[] _allowLines;
    private readonly TieredRegex[] _allowPaths;
    private readonly TieredRegex? _path;
    private readonly string[] _stopwords;
    private readonly CompiledCombination[] _combinations;

    public CompiledRule(SecretRule rule)
    {
        Rule = rule;
        _regex = new(() =>
        {
            var regex = new TieredRegex(rule.Pattern);
            return (regex, regex.GroupNumberFromName("secret")); // the lookup is slow: do it once
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        _allowValues = [.. rule.AllowValues.Select(RegexFactory.CreateSmall)];
        _allowMatches = [.. rule.AllowMatches.Select(RegexFactory.CreateSmall)];
        _allowLines = [.. rule.AllowLines.Select(RegexFactory.CreateSmall)];
        _allowPaths = [.. rule.AllowPaths.Select(RegexFactory.CreateSmall)];
        _path = rule.PathPattern is null ? null : RegexFactory.CreateSmall(rule.PathPattern);
        _stopwords = [.. rule.Stopwords.Select(s => s.ToLowerInvariant())];
        _combinations = [.. rule.AllowCombinations.Where(c => !c.IsEmpty).Select(c => new CompiledCombination(c))];
    }

    public SecretRule Rule { get; }

    /// <summary>The rule's regex for one file (interpreted until the rule has run on enough files, then compiled).</summary>
    public Regex RegexForOneFile() => _regex.Value.Regex.ForOneUse();

    internal TieredRegex TieredRegex => _regex.Value.Regex;

    /// <summary>Number of the group named "secret", or -1 when the whole match is the secret.</summary>
    public int SecretGroup => _regex.Value.SecretGroup;

    public bool AppliesToPath(string path)
    {
        if (_path is not null && !_path.IsMatch(path))
        {
            return false;
        }

        foreach (var allow in _allowPaths)
        {
            if (allow.IsMatch(path))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsHex(ReadOnlySpan<char> value) => !value.ContainsAnyExcept(HexDigits);

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>True when the rule's own allow-lists, entropy floor or stopwords dismiss the candidate.</summary>
    public bool Dismisses(string path, ReadOnlySpan<char> secret, ReadOnlySpan<char> match, ReadOnlySpan<char> line)
    {
        var floor = Rule.MinHexEntropy is { } hexFloor && IsHex(secret) ? hexFloor : Rule.MinEntropy;
        if (floor is { } min && Entropy.Shannon(secret) < min)
        {
            return true;
        }

        if (AnyMatch(_allowValues, secret) || AnyMatch(_allowMatches, match) || AnyMatch(_allowLines, line) || ContainsAny(secret, _stopwords))
        {
            return true;
        }

        foreach (var combination in _combinations)
        {
            if (combination.Allows(path, secret, match, line))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyMatch(TieredRegex[] regexes, ReadOnlySpan<char> text)
    {
        foreach (var regex in regexes)
        {
            if (regex.IsMatch(text))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsAny(ReadOnlySpan<char> secret, string[] words)
    {
        foreach (var word in words)
        {
            if (secret.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class CompiledCombination(AllowCombination combination)
    {
        private readonly TieredRegex[] _paths = [.. combination.Paths.Select(RegexFactory.CreateSmall)];
        private readonly TieredRegex[] _values = [.. combination.Values.Select(RegexFactory.CreateSmall)];
        private readonly TieredRegex[] _matches = [.. combination.Matches.Select(RegexFactory.CreateSmall)];
        private readonly TieredRegex[] _lines = [.. combination.Lines.Select(RegexFactory.CreateSmall)];
        private readonly string[] _stopwords = [.. combination.Stopwords];

        // An empty criterion does not take part; a non-empty one holds when any entry matches.
        public bool Allows(string path, ReadOnlySpan<char> secret, ReadOnlySpan<char> match, ReadOnlySpan<char> line) =>
            Holds(_paths, path) && Holds(_values, secret) && Holds(_matches, match) && Holds(_lines, line)
            && (_stopwords.Length == 0 || ContainsAny(secret, _stopwords));

        private static bool Holds(TieredRegex[] regexes, ReadOnlySpan<char> text) => regexes.Length == 0 || AnyMatch(regexes, text);
    }
}
