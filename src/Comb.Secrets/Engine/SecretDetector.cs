using System.Text;
using System.Text.RegularExpressions;
using Comb.Contracts;

namespace Comb.Secrets.Engine;

/// <summary>
/// Finds secrets in text. One keyword pass picks the rules, each picked regex runs once over the text,
/// and every value is masked before it leaves this type: callers never see a raw secret.
/// </summary>
public sealed class SecretDetector
{
    private const int SnippetWidth = 160;
    private const int MatchContext = 48;
    private readonly CompiledRule[] _rules;
    private readonly KeywordAutomaton _keywords;
    private readonly int[][] _rulesByKeyword;
    private readonly int[] _alwaysRun;
    private readonly TieredRegex[] _allowPaths;
    private readonly TieredRegex[] _allowValues;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _published;

    public SecretDetector(DetectorSettings settings)
    {
        Settings = settings;
        _rules = [.. settings.Rules.Select(r => new CompiledRule(r))];
        // A keyword is one entry per context: "s." anywhere (for a rule that may match there) and "s." at a word
        // start (for a rule whose every match starts with a keyword right after a word boundary) are two.
        var keywordIndex = new Dictionary<(string Word, bool AtWordStart), int>();
        var byKeyword = new List<List<int>>();
        var always = new List<int>();
        for (var i = 0; i < _rules.Length; i++)
        {
            var words = _rules[i].Rule.Keywords;
            if (words.Count == 0)
            {
                always.Add(i);
                continue;
            }

            var atWordStart = KeywordContext.StartsAtWordBoundary(_rules[i].Rule);
            foreach (var word in words)
            {
                var key = (word.ToLowerInvariant(), atWordStart);
                if (!keywordIndex.TryGetValue(key, out var k))
                {
                    k = keywordIndex.Count;
                    keywordIndex[key] = k;
                    byKeyword.Add([]);
                }

                byKeyword[k].Add(i);
            }
        }

        var ordered = keywordIndex.OrderBy(p => p.Value).Select(p => p.Key).ToList();
        _keywords = new KeywordAutomaton([.. ordered.Select(k => k.Word)], [.. ordered.Select(k => k.AtWordStart)]);
        _rulesByKeyword = [.. byKeyword.Select(l => l.ToArray())];
        _alwaysRun = [.. always];
        _allowPaths = [.. settings.AllowPaths.Select(RegexFactory.CreateSmall)];
        _allowValues = [.. settings.AllowValues.Select(RegexFactory.CreateSmall)];
        _published = new HashSet<string>(settings.PublishedValues, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public DetectorSettings Settings { get; }

    /// <summary>True when content rules should not look at this path at all (global allow-list).</summary>
    public bool IsPathAllowed(string path)
    {
        foreach (var allow in _allowPaths)
        {
            if (allow.IsMatch(path))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Scans raw file bytes: binary content is skipped; text is decoded as UTF-8 only when a rule is interested.</summary>
    public IReadOnlyList<SecretFinding> ScanBytes(string path, ReadOnlySpan<byte> content, string? layerDiffId = null)
    {
        if (content.Length > Settings.MaxFileBytes || BinaryContent.LooksBinary(content))
        {
            return [];
        }

        var found = new bool[_keywords.KeywordCount];
        var hits = _keywords.Scan(content, found);
        var selected = SelectRules(path, found, hits);
        if (selected.Count == 0)
        {
            return [];
        }

        var text = Encoding.UTF8.GetString(content);
        return Run(path, text, selected, layerDiffId);
    }

    /// <summary>Scans text that is already decoded (image config values, tests).</summary>
    public IReadOnlyList<SecretFinding> ScanText(string path, string text, string? layerDiffId = null)
    {
        var found = new bool[_keywords.KeywordCount];
        var hits = _keywords.Scan(text.AsSpan(), found);
        var selected = SelectRules(path, found, hits);
        return selected.Count == 0 ? [] : Run(path, text, selected, layerDiffId);
    }

    /// <summary>The ids of the rules the keyword pass picks for this content (paths aside), for tests.</summary>
    internal IReadOnlySet<string> RulesSelectedFor(ReadOnlySpan<byte> content)
    {
        var found = new bool[_keywords.KeywordCount];
        _keywords.Scan(content, found);
        var ids = new HashSet<string>(_alwaysRun.Select(i => _rules[i].Rule.Id), StringComparer.Ordinal);
        for (var k = 0; k < found.Length; k++)
        {
            if (found[k])
            {
                ids.UnionWith(_rulesByKeyword[k].Select(i => _rules[i].Rule.Id));
            }
        }

        return ids;
    }

    private List<int> SelectRules(string path, bool[] found, int hits)
    {
        var chosen = new bool[_rules.Length];
        var list = new List<int>();
        foreach (var i in _alwaysRun)
        {
            if (!chosen[i] && _rules[i].AppliesToPath(path))
            {
                chosen[i] = true;
                list.Add(i);
            }
        }

        if (hits > 0)
        {
            for (var k = 0; k < found.Length; k++)
            {
                if (!found[k])
                {
                    continue;
                }

                foreach (var i in _rulesByKeyword[k])
                {
                    if (!chosen[i] && _rules[i].AppliesToPath(path))
                    {
                        chosen[i] = true;
                        list.Add(i);
                    }
                }
            }
        }

        list.Sort();
        return list;
    }

    private List<SecretFinding> Run(string path, string text, List<int> selected, string? layerDiffId)
    {
        var lines = new LineIndex(text);
        var candidates = new List<Candidate>();
        XmlComments? comments = null;
        foreach (var i in selected)
        {
            var rule = _rules[i];
            var group = rule.SecretGroup;
            var skipped = rule.Rule.IgnoreXmlComments ? comments ??= new XmlComments(text) : null;

            try
            {
                foreach (Match m in rule.RegexForOneFile().Matches(text))
                {
                    var g = group > 0 && m.Groups[group].Success ? m.Groups[group] : m;
                    if (g.Length == 0)
                    {
                        continue;
                    }

                    if (skipped is not null && skipped.Contains(g.Index))
                    {
                        continue;
                    }

                    var secret = text.AsSpan(g.Index, g.Length);
                    var line = lines.LineText(text, g.Index);
                    if (IsDismissed(rule, path, secret, WithLeftContext(text, lines, m), line))
                    {
                        continue;
                    }

                    candidates.Add(new Candidate(i, g.Index, g.Length));
                    if (candidates.Count >= Settings.MaxFindingsPerFile * 4)
                    {
                        break;
                    }
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A hostile or pathological file: keep what other rules found, move on.
            }
        }

        return Report(path, text, lines, Resolve(candidates), layerDiffId);
    }

    // The match plus the words before it on its line: "public" in "publicKey = ..." decides the case.
    private static ReadOnlySpan<char> WithLeftContext(string text, LineIndex lines, Match m)
    {
        var (lineStart, _) = lines.LineBounds(text, m.Index);
        var from = Math.Max(lineStart, m.Index - MatchContext);
        return text.AsSpan(from, m.Index + m.Length - from);
    }

    private bool IsDismissed(CompiledRule rule, string path, ReadOnlySpan<char> secret, ReadOnlySpan<char> match, ReadOnlySpan<char> line)
    {
        if (rule.Rule.KeepPlaceholders ? Placeholders.IsTemplate(secret) : Placeholders.IsPlaceholder(secret))
        {
            return true;
        }

        if (_published.Contains(secret))
        {
            return true;
        }

        foreach (var allow in _allowValues)
        {
            if (allow.IsMatch(secret))
            {
                return true;
            }
        }

        return rule.Dismisses(path, secret, match, line) || rule.Rule.IsGeneric && GeneratedValueShape.IsTyped(secret);
    }

    // Same value found by several rules: keep each specific rule once; generic rules yield to specific ones.
    private List<Candidate> Resolve(List<Candidate> candidates)
    {
        var specific = candidates.Where(c => !_rules[c.Rule].Rule.IsGeneric).ToList();
        var kept = new List<Candidate>();
        var seen = new HashSet<Candidate>();
        // By position, then rule: a rule's matches do not overlap, so no two candidates tie and the order is total.
        var ordered = new List<Candidate>(candidates);
        ordered.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Rule.CompareTo(b.Rule));
        foreach (var c in ordered)
        {
            if (!seen.Add(c))
            {
                continue;
            }

            if (_rules[c.Rule].Rule.IsGeneric && specific.Any(s => s.Start < c.Start + c.Length && c.Start < s.Start + s.Length))
            {
                continue;
            }

            kept.Add(c);
            if (kept.Count >= Settings.MaxFindingsPerFile)
            {
                break;
            }
        }

        return kept;
    }

    private List<SecretFinding> Report(string path, string text, LineIndex lines, List<Candidate> kept, string? layerDiffId)
    {
        var findings = new List<SecretFinding>(kept.Count);
        foreach (var c in kept)
        {
            var rule = _rules[c.Rule].Rule;
            findings.Add(new SecretFinding
            {
                RuleId = rule.Id,
                Title = rule.Title,
                Category = rule.Category,
                Severity = rule.Severity,
                Path = path,
                LayerDiffId = layerDiffId,
                Line = lines.LineNumber(c.Start),
                Masked = Masking.Mask(text.AsSpan(c.Start, c.Length)),
                Snippet = Snippet(text, lines, c, kept),
            });
        }

        return findings;
    }

    // The line the secret starts on, cut to a window around it, with every found secret on it starred out.
    private static string Snippet(string text, LineIndex lines, Candidate target, List<Candidate> all)
    {
        var (lineStart, lineEnd) = lines.LineBounds(text, target.Start);
        var from = Math.Max(lineStart, target.Start - (SnippetWidth / 2));
        var to = Math.Min(lineEnd, Math.Max(target.Start + Math.Min(target.Length, SnippetWidth / 2) + (SnippetWidth / 2), from));
        var chars = text.ToCharArray(from, to - from);
        foreach (var c in all)
        {
            var s = Math.Max(c.Start, from);
            var e = Math.Min(c.Start + c.Length, to);
            for (var i = s; i < e; i++)
            {
                chars[i - from] = '*';
            }
        }

        var snippet = new string(chars).Trim();
        return (from > lineStart ? "…" : "") + snippet + (to < lineEnd ? "…" : "");
    }

    // A class, not a struct: the lists, sorts and sets over it then share the framework's precompiled code for
    // reference types instead of each being compiled at run time for this one value type (about 100 methods a scan).
    private sealed record Candidate(int Rule, int Start, int Length);
}
