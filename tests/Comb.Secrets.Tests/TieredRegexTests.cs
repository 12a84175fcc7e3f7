using Comb.Secrets.Engine;

namespace Comb.Secrets.Tests;

public sealed class TieredRegexTests
{
    [Fact]
    public async Task A_rule_regex_starts_interpreted_and_is_compiled_once_it_has_run_on_enough_files()
    {
        var regex = new TieredRegex(@"ghp_(?<secret>[A-Za-z0-9]{36})");
        const string text = "token ghp_k8Zq2Lr7Tv4Hn8Ws1Kd6Pf3Jz5Mb0aQwXy7Q end";

        var first = regex.ForOneUse();
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal("k8Zq2Lr7Tv4Hn8Ws1Kd6Pf3Jz5Mb0aQwXy7Q", regex.ForOneUse().Match(text).Groups["secret"].Value);
        }

        var waited = 0;
        while (!regex.IsCompiled && waited < 10_000)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
            waited += 20;
        }

        Assert.Equal(System.Text.RegularExpressions.RegexOptions.None, first.Options & System.Text.RegularExpressions.RegexOptions.Compiled);
        Assert.True(regex.IsCompiled);
        Assert.Equal(regex.GroupNumberFromName("secret"), regex.ForOneUse().GroupNumberFromName("secret"));
        Assert.Equal("k8Zq2Lr7Tv4Hn8Ws1Kd6Pf3Jz5Mb0aQwXy7Q", regex.ForOneUse().Match(text).Groups["secret"].Value);
    }
}
