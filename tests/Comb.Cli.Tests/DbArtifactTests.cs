using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Comb.Testing.Registry;

namespace Comb.Cli.Tests;

/// <summary>
/// comb db push and comb db update --repository against a real registry: the database travels as an OCI artifact with
/// Comb's artifact type and metadata; a pull that is truncated, altered or refused by every repository keeps the
/// database in use byte for byte, and a failing first repository falls through to the next.
/// </summary>
public sealed class DbArtifactTests : IAsyncLifetime
{
    private const string Repository = "comb/advisory-db";
    private readonly string _root = Directory.CreateTempSubdirectory("comb-db-artifact-").FullName;
    private RegistryServer? _registry;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RegistryServer Registry => _registry!;

    private string Cache(string name) => Path.Combine(_root, name);

    private string DbFile(string cache) => Path.Combine(cache, "db", "comb.db");

    public async ValueTask InitializeAsync()
    {
        _registry = await RegistryServer.StartAsync(RegistryMode.Anonymous);
        await ImportAsync("source", ("zlib", "1.3.1-r0", "CVE-2099-1234"), ("busybox", "1.36.1-r9", "CVE-2099-5678"));
    }

    [Fact]
    public async Task A_pushed_database_is_an_oci_artifact_that_another_machine_pulls_and_uses()
    {
        var reference = $"{Registry.Host}/{Repository}:latest";
        var push = await CliRunner.RunAsync("db", "push", reference, "--cache-dir", Cache("source"), "--insecure-registry");
        Assert.True(push.Code == 0, push.Err);
        Assert.Contains($"advisory database pushed: {reference}@sha256:", push.Out, StringComparison.Ordinal);

        using var client = Registry.CreateClient();
        var manifest = await client.GetManifestAsync(Repository, "latest", Ct);
        using var json = JsonDocument.Parse(manifest.Content);
        var root = json.RootElement;
        Assert.Equal("application/vnd.comb.advisory-db.v1", root.GetProperty("artifactType").GetString());
        Assert.Equal("application/vnd.comb.advisory-db.layer.v1.tar+gzip", root.GetProperty("layers")[0].GetProperty("mediaType").GetString());
        var annotations = root.GetProperty("annotations");
        Assert.Equal("2", annotations.GetProperty("dev.comb.db.schema-version").GetString());
        Assert.True(DateTimeOffset.Parse(annotations.GetProperty("dev.comb.db.next-update").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            > DateTimeOffset.Parse(annotations.GetProperty("dev.comb.db.built-at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(JsonDocument.Parse(annotations.GetProperty("dev.comb.db.sources").GetString()!).RootElement.EnumerateObject().Sum(p => p.Value.GetInt32()) > 0);

        var pull = await CliRunner.RunAsync("db", "update", "--repository", reference, "--cache-dir", Cache("fleet"), "--insecure-registry");
        Assert.True(pull.Code == 0, pull.Err);
        Assert.Contains($"advisory database updated from {reference}@{manifest.Digest}", pull.Out, StringComparison.Ordinal);
        Assert.Equal(Hash(DbFile(Cache("source"))), Hash(DbFile(Cache("fleet"))));
        var info = await CliRunner.RunAsync("db", "info", "--cache-dir", Cache("fleet"));
        Assert.Equal(0, info.Code);
        Assert.Empty(Directory.GetFiles(Path.Combine(Cache("fleet"), "db"), ".pull-*"));
    }

    [Fact]
    public async Task A_truncated_download_is_an_error_that_keeps_the_old_database()
    {
        var layer = await PushAsync("1");
        await ImportAsync("old", ("openssl", "3.3.2-r0", "CVE-2099-0001"));
        var before = Hash(DbFile(Cache("old")));

        await using var proxy = FaultInjectingProxy.Start(Registry.Host, async (context, _) =>
        {
            if (context.Request.HttpMethod != "GET" || !context.Request.Url!.AbsolutePath.EndsWith(layer, StringComparison.Ordinal))
            {
                return false;
            }

            // The registry's bytes, cut off halfway with the full length announced: the connection just drops.
            var bytes = await File.ReadAllBytesAsync(Registry.BlobDataPath(layer));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await context.Response.OutputStream.FlushAsync();
            context.Response.Abort();
            return true;
        });

        var pull = await CliRunner.RunAsync("db", "update", "--repository", $"{proxy.Host}/{Repository}:1", "--cache-dir", Cache("old"), "--insecure-registry");
        Assert.NotEqual(0, pull.Code);
        Assert.Contains("unchanged", pull.Err, StringComparison.Ordinal);
        Assert.Equal(before, Hash(DbFile(Cache("old"))));
        Assert.Empty(Directory.GetFiles(Path.Combine(Cache("old"), "db"), ".pull-*"));
    }

    [Fact]
    public async Task A_layer_whose_bytes_do_not_match_its_digest_is_refused_and_the_old_database_kept()
    {
        var layer = await PushAsync("2");
        await ImportAsync("tampered", ("openssl", "3.3.2-r0", "CVE-2099-0001"));
        var before = Hash(DbFile(Cache("tampered")));
        var blob = Registry.BlobDataPath(layer);
        var bytes = await File.ReadAllBytesAsync(blob, Ct);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(blob, bytes, Ct);

        var pull = await CliRunner.RunAsync("db", "update", "--repository", $"{Registry.Host}/{Repository}:2", "--cache-dir", Cache("tampered"), "--insecure-registry");
        Assert.Equal(2, pull.Code);
        Assert.Contains("digest mismatch", pull.Err, StringComparison.Ordinal);
        Assert.Equal(before, Hash(DbFile(Cache("tampered"))));
    }

    [Fact]
    public async Task When_the_first_repository_answers_503_the_next_one_is_used()
    {
        await PushAsync("3");
        await using var down = FaultInjectingProxy.Start(Registry.Host, async (context, _) =>
        {
            await FaultInjectingProxy.AnswerAsync(context, (int)HttpStatusCode.ServiceUnavailable);
            return true;
        });

        var pull = await CliRunner.RunAsync("db", "update", "--repository", $"{down.Host}/{Repository}:3", "--repository", $"{Registry.Host}/{Repository}:3",
            "--cache-dir", Cache("fallback"), "--insecure-registry");
        Assert.True(pull.Code == 0, pull.Err);
        Assert.Contains("trying the next repository", pull.Out, StringComparison.Ordinal);
        Assert.Contains($"updated from {Registry.Host}/{Repository}:3", pull.Out, StringComparison.Ordinal);
        Assert.Equal(Hash(DbFile(Cache("source"))), Hash(DbFile(Cache("fallback"))));
    }

    [Fact]
    public async Task Something_else_than_a_comb_database_is_refused()
    {
        using var client = Registry.CreateClient();
        await TestImagePusher.PushAsync(client, "some/image", "1.0", new PushableImageBuilder().WithLayer(("a.txt", "a")).Build(), cancellationToken: Ct);
        var pull = await CliRunner.RunAsync("db", "update", "--repository", $"{Registry.Host}/some/image:1.0", "--cache-dir", Cache("wrong"), "--insecure-registry");
        Assert.Equal(2, pull.Code);
        Assert.Contains("is not a Comb advisory database", pull.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(DbFile(Cache("wrong"))));

        var both = await CliRunner.RunAsync("db", "update", "--repository", $"{Registry.Host}/{Repository}:1", "--mirror", "http://127.0.0.1:1/", "--cache-dir", Cache("wrong"));
        Assert.Equal(2, both.Code);
    }

    /// <summary>Pushes the source database under a tag; returns its layer digest.</summary>
    private async Task<string> PushAsync(string tag)
    {
        var push = await CliRunner.RunAsync("db", "push", $"{Registry.Host}/{Repository}:{tag}", "--cache-dir", Cache("source"), "--insecure-registry");
        Assert.True(push.Code == 0, push.Err);
        using var client = Registry.CreateClient();
        var manifest = await client.GetManifestAsync(Repository, tag, Ct);
        return JsonDocument.Parse(manifest.Content).RootElement.GetProperty("layers")[0].GetProperty("digest").GetString()!;
    }

    private async Task ImportAsync(string cache, params (string Package, string Fixed, string Cve)[] fixes)
    {
        var feeds = Path.Combine(_root, "feeds-" + cache, "alpine-secdb", "v3.20");
        Directory.CreateDirectory(feeds);
        var packages = string.Join(",", fixes.Select(f => "{\"pkg\": {\"name\": \"" + f.Package + "\", \"secfixes\": {\"" + f.Fixed + "\": [\"" + f.Cve + "\"]}}}"));
        await File.WriteAllTextAsync(Path.Combine(feeds, "main.json"), $$"""{"distroversion": "v3.20", "reponame": "main", "packages": [{{packages}}]}""", Ct);
        var import = await CliRunner.RunAsync("db", "import", Path.GetDirectoryName(Path.GetDirectoryName(feeds))!, "--cache-dir", Cache(cache));
        Assert.True(import.Code == 0, import.Err);
    }

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    public async ValueTask DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
