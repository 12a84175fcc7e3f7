using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Comb.Contracts;
using Comb.Image.Registry;
using Comb.Testing.Registry;
using static Comb.Image.Tests.Registry.RegistryTestKit;

namespace Comb.Image.Tests.Registry;

/// <summary>
/// Registries that fail, lie or answer garbage, served from loopback: transient failures are retried,
/// everything else is a clear error.
/// </summary>
public sealed class MisbehavingRegistryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ImageOpenOptions Insecure = new() { InsecureRegistry = true, Platform = new ImagePlatform("linux", "amd64") };

    /// <summary>Serves one image from memory; <paramref name="intercept"/> may answer a request first (return true when it did).</summary>
    private static LoopbackHttpServer Serve(PushableImage image, ConcurrentDictionary<string, int> hits, Func<HttpListenerContext, int, Task<bool>>? intercept = null) =>
        LoopbackHttpServer.Start(async context =>
        {
            var path = context.Request.Url!.AbsolutePath;
            var hit = hits.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (intercept is not null && await intercept(context, hit))
            {
                return;
            }

            if (path == "/v2/")
            {
                await Write(context, 200, "application/json", "{}"u8.ToArray());
            }
            else if (path.EndsWith("/manifests/v1", StringComparison.Ordinal) || path.EndsWith("/manifests/" + image.ManifestDigest, StringComparison.Ordinal))
            {
                context.Response.Headers["Docker-Content-Digest"] = image.ManifestDigest;
                await Write(context, 200, image.ManifestMediaType, image.Manifest);
            }
            else if (path.EndsWith("/blobs/" + image.ConfigDigest, StringComparison.Ordinal))
            {
                await Write(context, 200, "application/octet-stream", image.Config);
            }
            else if (image.Layers.FirstOrDefault(l => path.EndsWith("/blobs/" + l.Digest, StringComparison.Ordinal)) is { } layer)
            {
                await Write(context, 200, "application/octet-stream", layer.Blob);
            }
            else
            {
                await Write(context, 404, "application/json", """{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"""u8.ToArray());
            }
        });

    private static async Task Write(HttpListenerContext context, int status, string contentType, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength64 = body.Length;
        await context.Response.OutputStream.WriteAsync(body);
    }

    [Fact]
    public async Task Retries_500_twice_then_succeeds()
    {
        var image = TwoLayerImage("retry");
        var hits = new ConcurrentDictionary<string, int>();
        await using var server = Serve(image, hits, async (context, hit) =>
        {
            if (context.Request.Url!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal) && hit <= 2)
            {
                await Write(context, 500, "text/plain", "boom"u8.ToArray());
                return true;
            }

            return false;
        });

        await using var opened = await Source().OpenAsync($"{server.Host}/flaky/app:v1", Insecure, Ct);

        Assert.Equal(image.ManifestDigest, opened.Metadata.ManifestDigest);
        Assert.Equal(3, hits["/v2/flaky/app/manifests/v1"]);
    }

    [Fact]
    public async Task Retries_a_connection_reset_before_any_response()
    {
        // Given a proxy whose first connection is reset (RST) before the request is answered
        var image = TwoLayerImage("reset");
        var hits = new ConcurrentDictionary<string, int>();
        await using var server = Serve(image, hits);
        await using var proxy = ResettingProxy.Start(server.Port, resetConnections: 1);

        // When the image is opened through it
        await using var opened = await Source().OpenAsync($"127.0.0.1:{proxy.Port}/flaky/app:v1", Insecure, Ct);

        // Then the request was sent again on a new connection and everything verified
        Assert.Equal(image.ManifestDigest, opened.Metadata.ManifestDigest);
        Assert.Equal(image.Layers[0].Blob, await ReadLayerAsync(opened, opened.Metadata.Layers[0]));
        Assert.True(proxy.Connections >= 2);
        Assert.Equal(1, hits["/v2/flaky/app/manifests/v1"]);
    }

    [Fact]
    public async Task Retries_a_request_that_gets_no_answer_in_time()
    {
        // Given a registry whose first manifest request never gets an answer
        var image = TwoLayerImage("timeout");
        var hits = new ConcurrentDictionary<string, int>();
        var release = new TaskCompletionSource();
        await using var server = Serve(image, hits, async (context, hit) =>
        {
            if (context.Request.Url!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal) && hit == 1)
            {
                await release.Task;
                return true;
            }

            return false;
        });

        try
        {
            // When the per-request deadline passes, Then the request is sent again and succeeds
            await using var opened = await Source(o => o with { RequestTimeout = TimeSpan.FromMilliseconds(300) })
                .OpenAsync($"{server.Host}/slow/app:v1", Insecure, Ct);

            Assert.Equal(image.ManifestDigest, opened.Metadata.ManifestDigest);
            Assert.Equal(2, hits["/v2/slow/app/manifests/v1"]);
        }
        finally
        {
            release.SetResult();
        }
    }

    [Fact]
    public async Task Honours_too_many_requests_then_succeeds()
    {
        var image = TwoLayerImage("429");
        var hits = new ConcurrentDictionary<string, int>();
        await using var server = Serve(image, hits, async (context, hit) =>
        {
            if (context.Request.Url!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal) && hit == 1)
            {
                context.Response.Headers["Retry-After"] = "0";
                await Write(context, 429, "application/json", """{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"""u8.ToArray());
                return true;
            }

            return false;
        });

        await using var opened = await Source().OpenAsync($"{server.Host}/busy/app:v1", Insecure, Ct);

        Assert.Equal(image.ManifestDigest, opened.Metadata.ManifestDigest);
        Assert.Equal(2, hits["/v2/busy/app/manifests/v1"]);
    }

    [Fact]
    public async Task Gives_up_on_a_registry_that_keeps_failing_with_a_clear_message()
    {
        var hits = new ConcurrentDictionary<string, int>();
        await using var server = Serve(TwoLayerImage("down"), hits, async (context, _) =>
        {
            await Write(context, 503, "text/plain", "maintenance"u8.ToArray());
            return true;
        });

        var error = await Assert.ThrowsAsync<RegistryException>(() => Source().OpenAsync($"{server.Host}/down/app:v1", Insecure, Ct));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(CombErrorKind.UpstreamFailure, error.Kind);
        Assert.Equal(502, CombErrorKinds.HttpStatus(error.Kind));
        Assert.Equal(ExitCodes.InputError, CombErrorKinds.ExitCode(error.Kind));
        Assert.Contains("503", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, hits["/v2/down/app/manifests/v1"]);
    }

    [Fact]
    public async Task Does_not_retry_not_found()
    {
        var hits = new ConcurrentDictionary<string, int>();
        await using var server = Serve(TwoLayerImage("nf"), hits);

        var error = await Assert.ThrowsAsync<RegistryException>(() => Source().OpenAsync($"{server.Host}/x/app:missing", Insecure, Ct));

        Assert.StartsWith("manifest unknown:", error.Message, StringComparison.Ordinal);
        Assert.Equal(CombErrorKind.NotFound, error.Kind);
        Assert.Equal(1, hits["/v2/x/app/manifests/missing"]);
    }

    [Theory]
    [InlineData("text/html", "<html><body>Welcome to nginx</body></html>", "not a JSON manifest")]
    [InlineData("application/vnd.example.thing+json", "{\"schemaVersion\":2}", "unsupported manifest media type 'application/vnd.example.thing+json'")]
    [InlineData("application/vnd.oci.image.manifest.v1+json", "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}", "does not match")]
    [InlineData("application/vnd.docker.distribution.manifest.v1+prettyjws", "{\"schemaVersion\":1,\"name\":\"x\"}", "schema 1")]
    [InlineData("application/vnd.oci.image.manifest.v1+json", "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[]}", "not a container image")]
    [InlineData("application/vnd.oci.image.manifest.v1+json", "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2,\"urls\":[\"https://example/x\"]}]}", "foreign/non-distributable")]
    [InlineData("application/vnd.oci.image.manifest.v1+json", "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:../../etc/passwd\",\"size\":2},\"layers\":[]}", "invalid digest")]
    public async Task Garbage_or_unsupported_manifests_are_clear_errors(string contentType, string body, string expected)
    {
        var hits = new ConcurrentDictionary<string, int>();
        await using var server = Serve(TwoLayerImage("garbage"), hits, async (context, _) =>
        {
            if (context.Request.Url!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal))
            {
                await Write(context, 200, contentType, Encoding.UTF8.GetBytes(body));
                return true;
            }

            return false;
        });

        var error = await Assert.ThrowsAnyAsync<CombInputException>(() => Source().OpenAsync($"{server.Host}/g/app:v1", Insecure, Ct));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_that_does_not_match_the_pinned_digest_is_rejected()
    {
        var image = TwoLayerImage("pinned");
        var other = TwoLayerImage("other");
        var hits = new ConcurrentDictionary<string, int>();
        await using var server = Serve(image, hits, async (context, _) =>
        {
            if (context.Request.Url!.AbsolutePath.EndsWith("/manifests/" + other.ManifestDigest, StringComparison.Ordinal))
            {
                await Write(context, 200, image.ManifestMediaType, image.Manifest);
                return true;
            }

            return false;
        });

        var error = await Assert.ThrowsAnyAsync<CombInputException>(() => Source().OpenAsync($"{server.Host}/p/app@{other.ManifestDigest}", Insecure, Ct));

        Assert.Contains("digest mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_that_does_not_match_its_digest_is_rejected()
    {
        var image = TwoLayerImage("bad-config");
        var hits = new ConcurrentDictionary<string, int>();
        await using var server = Serve(image, hits, async (context, _) =>
        {
            if (context.Request.Url!.AbsolutePath.EndsWith("/blobs/" + image.ConfigDigest, StringComparison.Ordinal))
            {
                var tampered = (byte[])image.Config.Clone();
                tampered[^2] = (byte)'X';
                await Write(context, 200, "application/octet-stream", tampered);
                return true;
            }

            return false;
        });

        var error = await Assert.ThrowsAnyAsync<CombInputException>(() => Source().OpenAsync($"{server.Host}/c/app:v1", Insecure, Ct));

        Assert.Contains("digest mismatch", error.Message, StringComparison.Ordinal);
        Assert.Equal(CombErrorKind.BadInput, error.Kind);
        Assert.Contains(image.ConfigDigest, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follows_blob_redirects_without_sending_credentials_to_the_other_host()
    {
        // Given a "CDN" on another loopback name that records the Authorization header it receives
        var image = TwoLayerImage("redirect");
        string? cdnAuthorization = "not called";
        await using var cdn = LoopbackHttpServer.Start(async context =>
        {
            cdnAuthorization = context.Request.Headers["Authorization"];
            await Write(context, 200, "application/octet-stream", image.Layers[0].Blob);
        }, hostName: "localhost");
        var hits = new ConcurrentDictionary<string, int>();
        string? registryAuthorization = null;
        await using var server = Serve(image, hits, (context, _) =>
        {
            var path = context.Request.Url!.AbsolutePath;
            if (context.Request.Headers["Authorization"] is null && path != "/v2/")
            {
                context.Response.StatusCode = 401;
                context.Response.Headers["WWW-Authenticate"] = "Basic realm=\"test\"";
                return Task.FromResult(true);
            }

            registryAuthorization = context.Request.Headers["Authorization"];
            if (path.EndsWith("/blobs/" + image.Layers[0].Digest, StringComparison.Ordinal))
            {
                context.Response.StatusCode = 307;
                context.Response.Headers["Location"] = $"http://localhost:{cdn.Port}/storage/blob";
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        });

        // When the layer is read with Basic credentials
        await using var opened = await Source().OpenAsync($"{server.Host}/r/app:v1", Insecure with { Username = "u", Password = "p" }, Ct);
        var blob = await ReadLayerAsync(opened, opened.Metadata.Layers[0]);

        // Then the blob came from the CDN, which never saw the credentials the registry got
        Assert.Equal(image.Layers[0].Blob, blob);
        Assert.StartsWith("Basic ", registryAuthorization, StringComparison.Ordinal);
        Assert.Null(cdnAuthorization);
    }
}
