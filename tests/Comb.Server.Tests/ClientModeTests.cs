namespace Comb.Server.Tests;

/// <summary>Client mode refuses what cannot reach a server before it calls one, with exit code 2 and the reason.</summary>
public sealed class ClientModeTests
{
    [Theory]
    [InlineData("--ignorefile", "ignore.txt")]
    [InlineData("--vex", "doc.json")]
    [InlineData("--db", "comb.db")]
    [InlineData("--store", "history.db")]
    [InlineData("--cache-dir", "cache")]
    public async Task Options_naming_local_files_are_refused_with_server(string option, string value)
    {
        var (code, _, err) = await ServerProcessTests.RunCliAsync(["scan", "alpine:3.20", "--server", "http://127.0.0.1:9", "--token", "t", option, value]);
        Assert.Equal(2, code);
        Assert.Contains($"{option} cannot be used with --server", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_without_a_token_or_with_a_bad_url_is_an_input_error()
    {
        var (code, _, err) = await ServerProcessTests.RunCliAsync(["scan", "alpine:3.20", "--server", "http://127.0.0.1:9"]);
        Assert.Equal(2, code);
        Assert.Contains("--server needs an API token", err, StringComparison.Ordinal);

        (code, _, err) = await ServerProcessTests.RunCliAsync(["scan", "alpine:3.20", "--server", "ftp://example", "--token", "t"]);
        Assert.Equal(2, code);
        Assert.Contains("--server must be an http(s) URL", err, StringComparison.Ordinal);
    }
}
