using System.Text.Json;
using Comb.Testing.Images;

namespace Comb.Cli.Tests;

public sealed class ImageInspectTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-cli-").FullName;

    [Fact]
    public async Task Inspect_json_lists_layers_with_diff_ids_and_history()
    {
        var image = new TestImage()
            .Config(c => { c["User"] = "app"; c["Entrypoint"] = new System.Text.Json.Nodes.JsonArray("/app/run"); })
            .Layer(l => l.By("ADD rootfs /").File("etc/hostname", "x\n"))
            .Layer(l => l.By("RUN make").File("app/run", "#!/bin/sh\n"));
        var digest = image.WriteOciLayout(Path.Combine(_dir, "img"));
        var built = image.Build();

        var (code, stdout, stderr) = await CliRunner.RunAsync("image", "inspect", "oci:" + Path.Combine(_dir, "img"), "--format", "json", "--cache-dir", Path.Combine(_dir, "cache"));

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(digest, root.GetProperty("digest").GetString());
        Assert.Equal("linux/amd64", root.GetProperty("platform").GetString());
        Assert.Equal("app", root.GetProperty("user").GetString());
        var layers = root.GetProperty("layers");
        Assert.Equal(2, layers.GetArrayLength());
        Assert.Equal(built.Layers[1].DiffId, layers[1].GetProperty("diffId").GetString());
        Assert.Equal(built.Layers[1].Digest, layers[1].GetProperty("digest").GetString());
        Assert.Equal(built.Layers[1].Blob.Length, layers[1].GetProperty("size").GetInt64());
        Assert.Equal("RUN make", layers[1].GetProperty("createdBy").GetString());
    }

    [Fact]
    public async Task Inspect_table_shows_the_essentials()
    {
        new TestImage().Layer(l => l.By("ADD x").File("x", "1")).WriteDockerArchive(Path.Combine(_dir, "img.tar"));

        var (code, stdout, _) = await CliRunner.RunAsync("image", "inspect", "docker-archive:" + Path.Combine(_dir, "img.tar"), "--cache-dir", Path.Combine(_dir, "cache"));

        Assert.Equal(0, code);
        Assert.Contains("Platform:     linux/amd64", stdout, StringComparison.Ordinal);
        Assert.Contains("Layers (1):", stdout, StringComparison.Ordinal);
        Assert.Contains("ADD x", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("oci:/nonexistent/dir")]
    [InlineData("docker-archive:/nonexistent.tar")]
    [InlineData("rootfs:/nonexistent/dir")]
    public async Task Bad_references_exit_2_with_a_message_and_no_stack_trace(string reference)
    {
        var (code, _, stderr) = await CliRunner.RunAsync("image", "inspect", reference, "--cache-dir", Path.Combine(_dir, "cache"));

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_options_are_usage_errors()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("scan", "--no-such-option", "x");

        Assert.Equal(2, code);
        Assert.Contains("error:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cache_info_and_clean_report_the_layer_cache()
    {
        var cache = Path.Combine(_dir, "cache");
        Directory.CreateDirectory(Path.Combine(cache, "layers", "ab"));
        File.WriteAllBytes(Path.Combine(cache, "layers", "ab", "abcd-1.json.gz"), new byte[10]);

        var info = await CliRunner.RunAsync("cache", "info", "--cache-dir", cache);
        var clean = await CliRunner.RunAsync("cache", "clean", "--cache-dir", cache);

        Assert.Contains("layer entries: 1", info.Out, StringComparison.Ordinal);
        Assert.Contains("removed 1", clean.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(cache, "layers")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
