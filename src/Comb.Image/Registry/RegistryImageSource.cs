using Comb.Contracts;
using Comb.Image.Oci;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Comb.Image.Registry;

/// <summary>Images from an OCI Distribution registry (<c>ghcr.io/org/app:1.2</c>, <c>alpine:3.20</c>, <c>host:5000/x@sha256:...</c>).</summary>
public sealed class RegistryImageSource : IImageSource
{
    public const string SourceKind = "registry";

    /// <summary>Prefixes of the local sources; a reference with one of them is never a registry reference.</summary>
    private static readonly string[] LocalPrefixes = ["oci:", "oci-archive:", "docker-archive:", "rootfs:"];

    private readonly RegistryCredentialResolver _credentials;
    private readonly ILoggerFactory _loggerFactory;
    private readonly RegistryTransport _transport;
    private readonly Func<RegistryClientOptions, RegistryClientOptions> _tuneClient;

    /// <summary>A source with its own transport (connection pool and token cache) for the life of the process.</summary>
    public RegistryImageSource()
        : this(new RegistryCredentialResolver(), NullLoggerFactory.Instance, RegistryTransport.CreateStandalone())
    {
    }

    public RegistryImageSource(RegistryCredentialResolver credentials, ILoggerFactory loggerFactory, RegistryTransport transport)
        : this(credentials, loggerFactory, transport, static o => o)
    {
    }

    /// <summary>For tests: adjust the client options (e.g. shorter retry delays).</summary>
    internal RegistryImageSource(
        RegistryCredentialResolver credentials,
        ILoggerFactory loggerFactory,
        RegistryTransport transport,
        Func<RegistryClientOptions, RegistryClientOptions> tuneClient)
    {
        _credentials = credentials;
        _loggerFactory = loggerFactory;
        _transport = transport;
        _tuneClient = tuneClient;
    }

    public string Kind => SourceKind;

    public bool CanOpen(string reference) =>
        !LocalPrefixes.Any(p => reference.StartsWith(p, StringComparison.OrdinalIgnoreCase))
        && RegistryReference.TryParse(reference, out _);

    public async Task<IImage> OpenAsync(string reference, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        var parsed = RegistryReference.Parse(reference);
        var clientOptions = _tuneClient(new RegistryClientOptions
        {
            Insecure = options.InsecureRegistry,
            Credentials = await _credentials.ResolveAsync(parsed.Registry, options, cancellationToken).ConfigureAwait(false),
            Logger = _loggerFactory.CreateLogger<RegistryClient>(),
        });
        var client = new RegistryClient(parsed.ApiHost, clientOptions, _transport);
        try
        {
            var metadata = await new RegistryImageResolver(client, parsed, options.Platform ?? PlatformSelector.Default())
                .ResolveAsync(cancellationToken).ConfigureAwait(false);
            return new RegistryImage(client, parsed.Repository, metadata);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}

/// <summary>An image in a registry: metadata resolved up front, layer blobs streamed and verified on demand.</summary>
internal sealed class RegistryImage(RegistryClient client, string repository, ImageMetadata metadata) : IImage
{
    public ImageMetadata Metadata => metadata;

    public async Task<Stream> OpenLayerBlobAsync(LayerDescriptor layer, CancellationToken cancellationToken)
    {
        var blob = await client.OpenBlobAsync(repository, layer.Digest, cancellationToken).ConfigureAwait(false);
        return new DigestVerifyingStream(blob, layer.Digest, layer.Size, $"layer {layer.Index} ({layer.Digest}) of {metadata.Reference}");
    }

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }
}
