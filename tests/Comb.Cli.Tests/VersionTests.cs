namespace Comb.Cli.Tests;

/// <summary><c>comb --version</c> is answered before the engine is built; it must say what the full command line says.</summary>
public sealed class VersionTests
{
    [Fact]
    public async Task The_early_answer_is_the_command_lines_own_version_output()
    {
        var (code, full, err) = await CliRunner.RunAsync("--version");
        using var early = new StringWriter();

        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Equal(0, Program.PrintVersion(early));
        Assert.Equal(full, early.ToString());
        Assert.StartsWith("0.", early.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_with_anything_else_still_goes_to_the_parser()
    {
        var (code, _, err) = await CliRunner.RunAsync("--version", "scan");

        Assert.Equal(2, code);
        Assert.Contains("error:", err, StringComparison.Ordinal);
    }
}
