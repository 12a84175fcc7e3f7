using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Comb.Secrets.Config;
using Comb.Secrets.Engine;
using Comb.Testing;

namespace Comb.Secrets.Tests;

public sealed class KeywordContextTests
{
    [Theory]
    [InlineData(@"\b(?<secret>hvs\.[\w\-]{90,120}|s\.[A-Za-z0-9]{24})", "hvs.,s.")]
    [InlineData(@"\b(?<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b", "akia,asia,abia,acca,a3t")]
    [InlineData(@"\b(?<secret>(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\.acc)", "sc_,ext_,scauth_,authress_")]
    [InlineData(@"(?i)\b(?<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b", "pat")]
    [InlineData(@"\bglpat-[\w\-]{20}", "glpat-")]
    public void Token_patterns_whose_matches_start_with_a_keyword_at_a_word_boundary(string pattern, string keywords)
    {
        Assert.True(KeywordContext.StartsAtWordBoundary(pattern, keywords.Split(',')));
    }

    [Theory]
    [InlineData(@"(?<secret>s\.[A-Za-z0-9]{24})", "s.")] // no boundary
    [InlineData(@"\bs\.[a-z]{4}|x\.[a-z]{4}", "s.,x.")] // the boundary binds the first branch only
    [InlineData(@"\b(?<secret>[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)", "_mmk")] // the keyword is not the prefix
    [InlineData(@"\b(?<secret>s?\.[a-z]{4})", "s.")] // optional first character
    [InlineData(@"\b(?<secret>EAA[MC][A-Za-z0-9]{100,})", "eaam,eaac")] // a class cuts the prefix short of the keyword
    [InlineData(@"\b(?<secret>ab|cd)", "ab")] // a branch without a keyword
    [InlineData(@"(?i)(?:stripe)[\w.\- \t]{0,25}?=(?<secret>sk_[a-z0-9]{24})", "stripe")]
    [InlineData(@"\b(?<secret>-x[a-z]{4})", "-x")] // a keyword starting with a non-word character
    [InlineData(@"\b(?=ab)(?<secret>ab[a-z]{4})", "ab")] // a look-ahead is not followed
    public void Anything_else_leaves_the_keyword_free_to_occur_anywhere(string pattern, string keywords)
    {
        Assert.False(KeywordContext.StartsAtWordBoundary(pattern, keywords.Split(',')));
    }

    [Fact]
    public void A_word_start_keyword_counts_only_after_a_non_word_byte()
    {
        var automaton = new KeywordAutomaton(["s.", "s."], [true, false]);
        var found = new bool[2];
        Assert.Equal(1, automaton.Scan("this.value = options.x"u8, found));
        Assert.Equal([false, true], found);

        found = new bool[2];
        Assert.Equal(2, automaton.Scan("x = this.a; token: s.abc"u8, found));
        found = new bool[2];
        Assert.Equal(2, automaton.Scan("S.ABC at the start"u8, found));
        found = new bool[2];
        Assert.Equal(2, automaton.Scan("é=s.abc"u8, found)); // a non-ASCII byte before: may be a boundary
        found = new bool[2];
        Assert.Equal(1, automaton.Scan("this.value".AsSpan(), found));
    }

    [Fact]
    public void The_vault_rule_is_not_picked_for_member_access()
    {
        var detector = SecretEngineFactory.CreateScanner(new SecretConfig()).Detector;
        Assert.DoesNotContain("vault-service-token", detector.RulesSelectedFor("module.exports = this.options;"u8));
        Assert.Contains("vault-service-token", detector.RulesSelectedFor("VAULT_TOKEN=s.abcdefghijklmnopqrstuvwx"u8));
    }

    /// <summary>
    /// The promise the keyword pass must keep: whatever a built-in rule's regex matches, the pass picks the rule.
    /// Checked for every built-in rule on every shared sample (true and false positives of the public scanners'
    /// suites and the test files), so a context read wrongly from a pattern shows as a sample its rule would miss.
    /// </summary>
    [Fact]
    public void Every_sample_a_rule_matches_selects_that_rule() =>
        AssertEveryMatchSelectsItsRule(SecretEngineFactory.CreateScanner(new SecretConfig()).Detector, minimumWithContext: 50, keywordsGate: false);

    /// <summary>
    /// The same for a user's rules, the public gitleaks rule set read as a config. Its rules run only where a keyword
    /// occurs (some match without one, by design), so the promise is: where the regex matches and a keyword occurs
    /// anywhere, the context does not drop the rule.
    /// </summary>
    [Fact]
    public void Every_sample_a_gitleaks_config_rule_matches_selects_that_rule()
    {
        var config = GitleaksConfigReader.Parse(File.ReadAllText(SharedData.Require("secrets", "gitleaks.toml")), "gitleaks.toml");
        AssertEveryMatchSelectsItsRule(SecretEngineFactory.CreateScanner(config).Detector, minimumWithContext: 20, keywordsGate: true);
    }

    private static void AssertEveryMatchSelectsItsRule(SecretDetector detector, int minimumWithContext, bool keywordsGate)
    {
        var samples = Samples().Distinct(StringComparer.Ordinal).ToList();
        Assert.True(samples.Count > 1000, $"only {samples.Count} samples");

        var rules = detector.Settings.Rules.Where(r => r.Keywords.Count > 0).ToList();
        var regexes = rules.Select(r => RegexFactory.Create(r.Pattern)).ToList();
        var withContext = rules.Where(KeywordContext.StartsAtWordBoundary).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        Assert.True(withContext.Count > minimumWithContext, $"only {withContext.Count} rules with a word-start context");

        var checkedWithContext = 0;
        var failures = new List<string>();
        foreach (var text in samples)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var selected = detector.RulesSelectedFor(bytes);
            var decoded = Encoding.UTF8.GetString(bytes);
            var folded = new string([.. decoded.Select(c => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c)]);
            for (var i = 0; i < rules.Count; i++)
            {
                var rule = rules[i];
                if (!regexes[i].IsMatch(decoded) || (keywordsGate && !rule.Keywords.Any(k => folded.Contains(k, StringComparison.Ordinal))))
                {
                    continue;
                }

                checkedWithContext += withContext.Contains(rule.Id) ? 1 : 0;
                if (!selected.Contains(rule.Id))
                {
                    failures.Add($"{rule.Id}: {text[..Math.Min(text.Length, 120)]}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(checkedWithContext > 100, $"only {checkedWithContext} matches of rules with a context checked");
    }

    private static IEnumerable<string> Samples()
    {
        foreach (var file in new[] { "gitleaks-cases.json", "trufflehog-cases.json" })
        {
            using var document = JsonDocument.Parse(File.ReadAllText(SharedData.Require("secrets", file)));
            foreach (var text in Strings(document.RootElement))
            {
                yield return text;
            }
        }

        using var zip = ZipFile.OpenRead(SharedData.Require("secrets", "trivy", "trivy-secret-testdata.zip"));
        foreach (var entry in zip.Entries.Where(e => e.Length > 0))
        {
            using var reader = new StreamReader(entry.Open());
            yield return reader.ReadToEnd();
        }
    }

    // Every string in the document: samples, inputs and file contents alike (names and ids match nothing).
    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString() is { Length: >= 8 } s ? [s] : [],
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        _ => [],
    };
}
