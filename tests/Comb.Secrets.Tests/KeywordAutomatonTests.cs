using Comb.Secrets.Engine;

namespace Comb.Secrets.Tests;

public sealed class KeywordAutomatonTests
{
    [Fact]
    public void Finds_overlapping_and_nested_keywords_case_insensitively()
    {
        var automaton = new KeywordAutomaton(["he", "she", "his", "hers", "ghp_", "key"]);
        var found = new bool[automaton.KeywordCount];

        var count = automaton.Scan("uSHErs and MONKEY ghp_"u8, found);

        Assert.Equal(5, count);
        Assert.Equal([true, true, false, true, true, true], found);
    }

    [Fact]
    public void Non_ascii_bytes_reset_the_match()
    {
        var automaton = new KeywordAutomaton(["token"]);
        var found = new bool[1];

        Assert.Equal(0, automaton.Scan("to\u00e9ken"u8, found));
        Assert.Equal(1, automaton.Scan("é token"u8, found));
    }
}
