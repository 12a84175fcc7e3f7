namespace Comb.Engine.Tests;

public class SmokeTests
{
    [Fact]
    public void Shared_data_is_found_or_reported_absent()
    {
        var root = Comb.Testing.SharedData.RootOrNull;
        Assert.True(root is null || Directory.Exists(root));
    }
}
