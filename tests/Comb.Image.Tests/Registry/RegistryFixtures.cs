using Comb.Contracts;
using Comb.Image.Oci;
using Comb.Image.Registry;
using Comb.Testing.Images;
using Comb.Testing.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Comb.Image.Tests.Registry;

/// <summary>One real registry per test class, in the mode the subclass names.</summary>
public abstract class RegistryFixture(RegistryMode mode) : IAsyncLifetime
{
    private RegistryServer? _server;

    public RegistryServer Server => _server ?? throw new InvalidOperationException("registry not started");

    public async ValueTask InitializeAsync() => _server = await RegistryServer.StartAsync(mode, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class AnonymousRegistryFixture() : RegistryFixture(RegistryMode.Anonymous);

public sealed class BasicRegistryFixture() : RegistryFixture(RegistryMode.Basic);

public sealed class TlsRegistryFixture() : RegistryFixture(RegistryMode.Tls);

public sealed class TokenRegistryFixture() : RegistryFixture(RegistryMode.Token);

/// <summary>Builders shared by the registry tests.</summary>
internal static class RegistryTestKit
{
    /// <summary>
    /// A source isolated from the machine's environment and docker config, with short retry delays; by default with a
    /// transport of its own (no connections or tokens shared with other tests).
    /// </summary>
    public static RegistryImageSource Source(
        Func<RegistryClientOptions, RegistryClientOptions>? tune = null,
        RegistryTransport? transport = null,
        ILoggerFactory? loggerFactory = null) => new(
        new RegistryCredentialResolver(_ => null),
        loggerFactory ?? NullLoggerFactory.Instance,
        transport ?? RegistryTransport.CreateStandalone(),
        o => (tune ?? (x => x))(o with { RetryBaseDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 3 }));

    public static ImageOpenOptions Options(RegistryServer server, bool credentials = true, string? password = null) => new()
    {
        InsecureRegistry = true,
        Username = credentials && server.NeedsCredentials ? RegistryServer.Username : null,
        Password = credentials && server.NeedsCredentials ? password ?? RegistryServer.Password : null,
        Platform = new ImagePlatform("linux", "amd64"),
    };

    public static PushableImage TwoLayerImage(string marker, LayerCompression second = LayerCompression.Gzip) => new PushableImageBuilder()
        .WithUser("app")
        .WithEnv("MARKER=" + marker)
        .WithLayer(("etc/os-release", "ID=combtest\n"), ("etc/marker", marker))
        .WithLayer(second, ("app/run.sh", "#!/bin/sh\necho " + marker + "\n"))
        .Build();

    public static async Task<byte[]> ReadLayerAsync(IImage image, LayerDescriptor layer)
    {
        await using var blob = await image.OpenLayerBlobAsync(layer, TestContext.Current.CancellationToken);
        using var buffer = new MemoryStream();
        await blob.CopyToAsync(buffer, TestContext.Current.CancellationToken);
        return buffer.ToArray();
    }
}
