using System.Net;
using Comb.Contracts;
using Comb.Image.Oci;
using Comb.Image.Registry;
using Comb.Testing.Images;
using Comb.Testing.Registry;
using static Comb.Image.Tests.Registry.RegistryTestKit;

namespace Comb.Image.Tests.Registry;

/// <summary>Push and pull against a real registry; run once per registry mode by the subclasses below.</summary>
public abstract class RegistryPullTests(RegistryFixture fixture)
{
    protected RegistryServer Server => fixture.Server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pulls_by_tag_with_metadata_and_verified_layers()
    {
        // Given an image pushed with monolithic uploads
        var built = TwoLayerImage("by-tag");
        using (var client = Server.CreateClient())
        {
            await TestImagePusher.PushAsync(client, "comb/by-tag", "v1", built, cancellationToken: Ct);
        }

        // When it is opened by tag
        var reference = $"{Server.Host}/comb/by-tag:v1";
        await using var image = await Source().OpenAsync(reference, Options(Server), Ct);

        // Then the metadata describes the pushed image and each layer blob reads back verified
        var metadata = image.Metadata;
        Assert.Equal(reference, metadata.Reference);
        Assert.Equal(Server.Host, metadata.Registry);
        Assert.Equal("comb/by-tag", metadata.Repository);
        Assert.Equal("v1", metadata.Tag);
        Assert.Equal(built.ManifestDigest, metadata.ManifestDigest);
        Assert.Null(metadata.IndexDigest);
        Assert.Equal(built.ConfigDigest, metadata.ConfigDigest);
        Assert.Equal(MediaTypes.OciManifest, metadata.ManifestMediaType);
        Assert.Equal("registry", metadata.SourceKind);
        Assert.Equal(new ImagePlatform("linux", "amd64"), metadata.Platform);
        Assert.Equal("app", metadata.Config.Config?.User);
        Assert.Contains("MARKER=by-tag", metadata.Config.Config?.Env ?? []);
        Assert.Equal(2, metadata.Layers.Count);
        for (var i = 0; i < 2; i++)
        {
            var layer = metadata.Layers[i];
            Assert.Equal(i, layer.Index);
            Assert.Equal(built.Layers[i].Digest, layer.Digest);
            Assert.Equal(built.Layers[i].DiffId, layer.DiffId);
            Assert.Equal(built.Layers[i].MediaType, layer.MediaType);
            Assert.Equal(built.Layers[i].Blob.Length, layer.Size);
            Assert.Equal(built.Layers[i].CreatedBy, layer.CreatedBy);
            Assert.Equal(built.Layers[i].Blob, await ReadLayerAsync(image, layer));
        }
    }

    [Fact]
    public async Task Pulls_by_digest_after_a_chunked_push()
    {
        var built = TwoLayerImage("by-digest");
        using (var client = Server.CreateClient())
        {
            await TestImagePusher.PushAsync(client, "comb/by-digest", "v1", built, chunked: true, cancellationToken: Ct);
        }

        await using var image = await Source().OpenAsync($"{Server.Host}/comb/by-digest@{built.ManifestDigest}", Options(Server), Ct);

        Assert.Equal(built.ManifestDigest, image.Metadata.ManifestDigest);
        Assert.Null(image.Metadata.Tag);
        Assert.Equal(built.Layers[1].Blob, await ReadLayerAsync(image, image.Metadata.Layers[1]));
    }

    [Fact]
    public async Task Selects_the_requested_platform_from_an_oci_index()
    {
        var amd64 = new PushableImageBuilder().ForPlatform("linux", "amd64").WithLayer(("arch", "amd64")).Build();
        var arm64 = new PushableImageBuilder().ForPlatform("linux", "arm64", "v8").WithLayer(("arch", "arm64")).Build();
        string indexDigest;
        using (var client = Server.CreateClient())
        {
            indexDigest = await TestImagePusher.PushIndexAsync(client, "comb/multi", "latest", [amd64, arm64], cancellationToken: Ct);
        }

        var reference = $"{Server.Host}/comb/multi";
        await using var arm = await Source().OpenAsync(reference, Options(Server) with { Platform = PlatformSelector.Parse("linux/arm64") }, Ct);
        await using var amd = await Source().OpenAsync(reference, Options(Server), Ct);

        Assert.Equal(arm64.ManifestDigest, arm.Metadata.ManifestDigest);
        Assert.Equal(indexDigest, arm.Metadata.IndexDigest);
        Assert.Equal(new ImagePlatform("linux", "arm64", "v8"), arm.Metadata.Platform);
        Assert.Equal(arm64.Layers[0].Blob, await ReadLayerAsync(arm, arm.Metadata.Layers[0]));
        Assert.Equal(amd64.ManifestDigest, amd.Metadata.ManifestDigest);

        var missing = await Assert.ThrowsAsync<CombInputException>(() =>
            Source().OpenAsync(reference, Options(Server) with { Platform = PlatformSelector.Parse("linux/s390x") }, Ct));
        Assert.Contains("no image for platform linux/s390x", missing.Message, StringComparison.Ordinal);
        Assert.Contains("linux/amd64, linux/arm64/v8", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_docker_schema2_manifest_lists_and_uncompressed_and_zstd_layers()
    {
        var docker = new PushableImageBuilder().WithDockerMediaTypes().ForPlatform("linux", "amd64")
            .WithLayer(("a", "gzip")).WithLayer(LayerCompression.None, ("b", "plain tar")).Build();
        var zstd = TwoLayerImage("zstd", LayerCompression.Zstd);
        using (var client = Server.CreateClient())
        {
            await TestImagePusher.PushIndexAsync(client, "comb/docker", "list", [docker], docker: true, cancellationToken: Ct);
            await TestImagePusher.PushAsync(client, "comb/zstd", "v1", zstd, cancellationToken: Ct);
        }

        await using var fromList = await Source().OpenAsync($"{Server.Host}/comb/docker:list", Options(Server), Ct);
        await using var zstdImage = await Source().OpenAsync($"{Server.Host}/comb/zstd:v1", Options(Server), Ct);

        Assert.Equal(MediaTypes.DockerManifest, fromList.Metadata.ManifestMediaType);
        Assert.Equal([MediaTypes.DockerLayerGzip, MediaTypes.DockerLayerTar], fromList.Metadata.Layers.Select(l => l.MediaType));
        Assert.Equal(fromList.Metadata.Layers[1].Digest, fromList.Metadata.Layers[1].DiffId);
        Assert.Equal(docker.Layers[1].Blob, await ReadLayerAsync(fromList, fromList.Metadata.Layers[1]));
        Assert.Equal(MediaTypes.OciLayerZstd, zstdImage.Metadata.Layers[1].MediaType);
        Assert.Equal(zstd.Layers[1].Blob, await ReadLayerAsync(zstdImage, zstdImage.Metadata.Layers[1]));
    }

    [Fact]
    public async Task Missing_tag_and_repository_are_clear_404_errors()
    {
        var built = TwoLayerImage("exists");
        using (var client = Server.CreateClient())
        {
            await TestImagePusher.PushAsync(client, "comb/exists", "v1", built, cancellationToken: Ct);
        }

        var missingTag = await Assert.ThrowsAsync<RegistryException>(() =>
            Source().OpenAsync($"{Server.Host}/comb/exists:nope", Options(Server), Ct));
        var missingRepo = await Assert.ThrowsAsync<RegistryException>(() =>
            Source().OpenAsync($"{Server.Host}/comb/never-pushed:v1", Options(Server), Ct));

        Assert.Equal(HttpStatusCode.NotFound, missingTag.StatusCode);
        Assert.StartsWith("manifest unknown:", missingTag.Message, StringComparison.Ordinal);
        Assert.Contains("comb/exists:nope", missingTag.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missingRepo.StatusCode);
        Assert.Matches("^(repository|manifest) unknown:", missingRepo.Message);
        Assert.Contains("comb/never-pushed:v1", missingRepo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blob_whose_content_does_not_match_its_digest_fails_verification()
    {
        // Given an image whose second layer blob is altered in the registry's storage (same length)
        var built = TwoLayerImage("corrupt-" + GetType().Name);
        using (var client = Server.CreateClient())
        {
            await TestImagePusher.PushAsync(client, "comb/corrupt", "v1", built, cancellationToken: Ct);
        }

        var path = Server.BlobDataPath(built.Layers[1].Digest);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes, Ct);

        // When the layer is read, Then the digest check fails with a clear error
        await using var image = await Source().OpenAsync($"{Server.Host}/comb/corrupt:v1", Options(Server), Ct);
        var error = await Assert.ThrowsAsync<CombInputException>(() => ReadLayerAsync(image, image.Metadata.Layers[1]));
        Assert.Contains("digest mismatch", error.Message, StringComparison.Ordinal);
        Assert.Contains(built.Layers[1].Digest, error.Message, StringComparison.Ordinal);

        // And the intact layer still reads
        Assert.Equal(built.Layers[0].Blob, await ReadLayerAsync(image, image.Metadata.Layers[0]));
    }

    [Fact]
    public async Task Lists_tags_and_checks_blob_existence()
    {
        var built = TwoLayerImage("tags");
        using var client = Server.CreateClient();
        await TestImagePusher.PushAsync(client, "comb/tags", "b", built, cancellationToken: Ct);
        await client.PutManifestAsync("comb/tags", "a", built.ManifestMediaType, built.Manifest, Ct);

        Assert.Equal(["a", "b"], (await client.ListTagsAsync("comb/tags", Ct)).Order(StringComparer.Ordinal));
        Assert.True(await client.BlobExistsAsync("comb/tags", built.ConfigDigest, Ct));
        Assert.False(await client.BlobExistsAsync("comb/tags", "sha256:" + new string('0', 64), Ct));
        var head = await client.HeadManifestAsync("comb/tags", "a", Ct);
        Assert.Equal(built.ManifestDigest, head.Digest);
        Assert.Equal(MediaTypes.OciManifest, head.MediaType);
    }
}

[Collection("registry")]
public sealed class AnonymousRegistryPullTests(AnonymousRegistryFixture fixture) : RegistryPullTests(fixture), IClassFixture<AnonymousRegistryFixture>
{
    [Fact]
    public async Task Plain_http_registry_needs_insecure_mode()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            Source().OpenAsync($"{Server.Host}/comb/whatever:v1", Options(Server) with { InsecureRegistry = false }, TestContext.Current.CancellationToken));
        Assert.Contains("--insecure-registry", error.Message, StringComparison.Ordinal);
    }
}

[Collection("registry")]
public sealed class TlsRegistryPullTests(TlsRegistryFixture fixture) : RegistryPullTests(fixture), IClassFixture<TlsRegistryFixture>
{
    [Fact]
    public async Task Self_signed_certificate_is_refused_without_insecure_mode()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            Source().OpenAsync($"{Server.Host}/comb/whatever:v1", Options(Server) with { InsecureRegistry = false }, TestContext.Current.CancellationToken));
        Assert.Contains("TLS connection", error.Message, StringComparison.Ordinal);
        Assert.Contains("--insecure-registry", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>Registries that need credentials: wrong or missing ones are clear 401s; docker config.json works.</summary>
public abstract class AuthenticatedRegistryPullTests(RegistryFixture fixture) : RegistryPullTests(fixture)
{
    [Fact]
    public async Task Wrong_password_is_a_clear_unauthorized_error()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            Source().OpenAsync($"{Server.Host}/comb/any:v1", Options(Server, password: "wrong"), TestContext.Current.CancellationToken));

        Assert.StartsWith("unauthorized:", error.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal(CombErrorKind.Unauthorized, error.Kind);
        Assert.Contains(RegistryServer.Username, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_credentials_are_a_clear_unauthorized_error()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            Source().OpenAsync($"{Server.Host}/comb/any:v1", Options(Server, credentials: false), TestContext.Current.CancellationToken));

        Assert.StartsWith("unauthorized:", error.Message, StringComparison.Ordinal);
        Assert.Contains("no credentials were given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_from_docker_config_json_are_used()
    {
        var built = TwoLayerImage("docker-config");
        using (var client = Server.CreateClient())
        {
            await TestImagePusher.PushAsync(client, "comb/docker-config", "v1", built, cancellationToken: TestContext.Current.CancellationToken);
        }

        var dir = Directory.CreateTempSubdirectory("comb-docker-config-");
        try
        {
            var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{RegistryServer.Username}:{RegistryServer.Password}"));
            var configPath = Path.Combine(dir.FullName, "config.json");
            await File.WriteAllTextAsync(configPath, $$$$"""{"auths":{"http://{{{{Server.Host}}}}/v2/":{"auth":"{{{{auth}}}}"}}}""", TestContext.Current.CancellationToken);

            await using var image = await Source().OpenAsync($"{Server.Host}/comb/docker-config:v1",
                Options(Server, credentials: false) with { DockerConfigPath = configPath }, TestContext.Current.CancellationToken);

            Assert.Equal(built.ManifestDigest, image.Metadata.ManifestDigest);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

[Collection("registry")]
public sealed class BasicAuthRegistryPullTests(BasicRegistryFixture fixture) : AuthenticatedRegistryPullTests(fixture), IClassFixture<BasicRegistryFixture>;

[Collection("registry")]
public sealed class TokenAuthRegistryPullTests(TokenRegistryFixture fixture) : AuthenticatedRegistryPullTests(fixture), IClassFixture<TokenRegistryFixture>
{
    [Fact]
    public async Task Tokens_are_cached_per_scope()
    {
        var built = TwoLayerImage("token-cache");
        using (var pusher = Server.CreateClient())
        {
            await TestImagePusher.PushAsync(pusher, "comb/token-cache", "v1", built, cancellationToken: TestContext.Current.CancellationToken);
        }

        using var client = Server.CreateClient();
        var before = Server.Tokens!.TokensIssued;

        // Many pulls of the same repository with one client reuse one token.
        for (var i = 0; i < 3; i++)
        {
            await client.GetManifestAsync("comb/token-cache", "v1", TestContext.Current.CancellationToken);
            await client.GetVerifiedBlobAsync("comb/token-cache", built.ConfigDigest, built.Config.Length, TestContext.Current.CancellationToken);
        }

        Assert.Equal(before + 1, Server.Tokens.TokensIssued);
    }
}
