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

    [Fact]
    public async Task A_signed_database_is_verified_with_the_public_key_before_it_replaces_the_old_one()
    {
        var (privateKey, publicKey) = await KeyPairAsync("publisher");
        var reference = $"{Registry.Host}/{Repository}:signed";
        var push = await CliRunner.RunAsync("db", "push", reference, "--cache-dir", Cache("source"), "--key", privateKey, "--insecure-registry");
        Assert.True(push.Code == 0, push.Err);
        using var client = Registry.CreateClient();
        var digest = (await client.GetManifestAsync(Repository, "signed", Ct)).Digest;
        Assert.Contains($"signed (ecdsa-p256, SHA256:", push.Out, StringComparison.Ordinal);
        Assert.Contains("sha256-" + digest["sha256:".Length..] + ".sig", push.Out, StringComparison.Ordinal);

        // The signature is the one comb sign makes: comb verify (cosign's key-based check) accepts it as it is.
        var verify = await CliRunner.RunAsync("verify", reference, "--key", publicKey, "--insecure-registry");
        Assert.True(verify.Code == 0, verify.Out + verify.Err);
        Assert.Contains("signature valid", verify.Out, StringComparison.Ordinal);

        await ImportAsync("verified", ("openssl", "3.3.2-r0", "CVE-2099-0001"));
        var pull = await CliRunner.RunAsync("db", "update", "--repository", reference, "--key", publicKey, "--cache-dir", Cache("verified"), "--insecure-registry");
        Assert.True(pull.Code == 0, pull.Err);
        Assert.Contains("signature valid (publisher.pub)", pull.Out, StringComparison.Ordinal);
        Assert.Equal(Hash(DbFile(Cache("source"))), Hash(DbFile(Cache("verified"))));

        // The key configured for the process ($COMB_DB_KEY) works the same as --key.
        var configured = await CombProcess.RunAsync(new Dictionary<string, string> { ["COMB_DB_KEY"] = publicKey },
            "db", "update", "--repository", reference, "--cache-dir", Cache("configured"), "--insecure-registry");
        Assert.True(configured.Code == 0, configured.Err);
        Assert.Equal(Hash(DbFile(Cache("source"))), Hash(DbFile(Cache("configured"))));
    }

    [Fact]
    public async Task An_unsigned_database_is_refused_when_a_key_is_configured_and_the_old_one_kept_byte_for_byte()
    {
        var (_, publicKey) = await KeyPairAsync("publisher");
        await PushAsync("unsigned");
        await ImportAsync("strict", ("openssl", "3.3.2-r0", "CVE-2099-0001"));
        var before = Hash(DbFile(Cache("strict")));

        var pull = await CliRunner.RunAsync("db", "update", "--repository", $"{Registry.Host}/{Repository}:unsigned", "--key", publicKey,
            "--cache-dir", Cache("strict"), "--insecure-registry");
        Assert.Equal(2, pull.Code);
        Assert.Contains("is refused: signature missing", pull.Err, StringComparison.Ordinal);
        Assert.Contains("the database in use is unchanged", pull.Err, StringComparison.Ordinal);
        Assert.Equal(before, Hash(DbFile(Cache("strict"))));
        Assert.Empty(Directory.GetFiles(Path.Combine(Cache("strict"), "db"), ".pull-*"));

        var configured = await CombProcess.RunAsync(new Dictionary<string, string> { ["COMB_DB_KEY"] = publicKey },
            "db", "update", "--repository", $"{Registry.Host}/{Repository}:unsigned", "--cache-dir", Cache("strict"), "--insecure-registry");
        Assert.Equal(2, configured.Code);
        Assert.Contains("signature missing", configured.Err, StringComparison.Ordinal);
        Assert.Equal(before, Hash(DbFile(Cache("strict"))));
    }

    [Fact]
    public async Task A_database_signed_by_another_key_is_refused_and_the_old_one_kept_byte_for_byte()
    {
        var (intruder, _) = await KeyPairAsync("intruder");
        var (_, trusted) = await KeyPairAsync("publisher");
        var reference = $"{Registry.Host}/{Repository}:forged";
        var push = await CliRunner.RunAsync("db", "push", reference, "--cache-dir", Cache("source"), "--key", intruder, "--insecure-registry");
        Assert.True(push.Code == 0, push.Err);
        await ImportAsync("guarded", ("openssl", "3.3.2-r0", "CVE-2099-0001"));
        var before = Hash(DbFile(Cache("guarded")));

        var pull = await CliRunner.RunAsync("db", "update", "--repository", reference, "--key", trusted, "--cache-dir", Cache("guarded"), "--insecure-registry");
        Assert.Equal(2, pull.Code);
        Assert.Contains("is refused: signature invalid", pull.Err, StringComparison.Ordinal);
        Assert.Contains("not made by any trusted key (publisher.pub)", pull.Err, StringComparison.Ordinal);
        Assert.Equal(before, Hash(DbFile(Cache("guarded"))));

        // A signature over another artifact does not vouch for this one: the publisher's real signature of tag
        // "moved" is copied under the forged artifact's .sig tag; the payload names the other digest.
        var (publisher, _) = await KeyPairAsync("publisher");
        await ImportAsync("other", ("musl", "1.2.5-r1", "CVE-2099-0002"));
        Assert.Equal(0, (await CliRunner.RunAsync("db", "push", $"{Registry.Host}/{Repository}:moved", "--cache-dir", Cache("other"), "--key", publisher, "--insecure-registry")).Code);
        using var client = Registry.CreateClient();
        var forged = (await client.GetManifestAsync(Repository, "forged", Ct)).Digest;
        var moved = (await client.GetManifestAsync(Repository, "moved", Ct)).Digest;
        var signature = await client.GetManifestAsync(Repository, "sha256-" + moved["sha256:".Length..] + ".sig", Ct);
        await client.PutManifestAsync(Repository, "sha256-" + forged["sha256:".Length..] + ".sig", signature.MediaType!, signature.Content, Ct);

        var replayed = await CliRunner.RunAsync("db", "update", "--repository", reference, "--key", trusted, "--cache-dir", Cache("guarded"), "--insecure-registry");
        Assert.Equal(2, replayed.Code);
        Assert.Contains($"for {moved}, not this image", replayed.Err, StringComparison.Ordinal);
        Assert.Equal(before, Hash(DbFile(Cache("guarded"))));
    }

    [Fact]
    public async Task A_key_without_a_repository_or_an_unreadable_key_is_a_usage_error()
    {
        var noRepository = await CliRunner.RunAsync("db", "update", "--key", Path.Combine(_root, "missing.pub"), "--cache-dir", Cache("usage"));
        Assert.Equal(2, noRepository.Code);
        Assert.Contains("--key checks the signature of a database pulled with --repository", noRepository.Err, StringComparison.Ordinal);

        var missing = await CliRunner.RunAsync("db", "push", $"{Registry.Host}/{Repository}:x", "--cache-dir", Cache("source"), "--key", Path.Combine(_root, "missing.key"), "--insecure-registry");
        Assert.Equal(2, missing.Code);
        Assert.Contains("cannot read private key", missing.Err, StringComparison.Ordinal);
    }

    /// <summary>An ECDSA P-256 key pair (cosign's default) as PEM files NAME.key and NAME.pub; the same files on each call.</summary>
    private async Task<(string PrivateKey, string PublicKey)> KeyPairAsync(string name)
    {
        var (privatePath, publicPath) = (Path.Combine(_root, name + ".key"), Path.Combine(_root, name + ".pub"));
        if (!File.Exists(privatePath))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            await File.WriteAllTextAsync(privatePath, key.ExportPkcs8PrivateKeyPem(), Ct);
            await File.WriteAllTextAsync(publicPath, key.ExportSubjectPublicKeyInfoPem(), Ct);
        }

        return (privatePath, publicPath);
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
