using System.Collections.Concurrent;
using Comb.Checks.Trust.Signing;
using Comb.Contracts;
using Comb.Image.Registry;

namespace Comb.Checks.Trust;

/// <summary>
/// Looks signatures up in the registry an image came from, with the scan's credentials and transport settings.
/// Keeps one client per registry host for the life of the process.
/// </summary>
public sealed class RegistrySignatureStores : ISignatureStoreFactory, IDisposable
{
    private readonly RegistryCredentialResolver _credentials;
    private readonly ConcurrentDictionary<(string Host, bool Insecure, string? User), RegistryClient> _clients = new();

    public RegistrySignatureStores(RegistryCredentialResolver credentials)
    {
        _credentials = credentials;
    }

    public ISignatureStore? ForImage(ImageMetadata image, ScanOptions options)
    {
        if (image.SourceKind != RegistryImageSource.SourceKind || image.Registry is null || image.Repository is null)
        {
            return null;
        }

        return new RegistrySignatureStore(Client(image.Registry, options.InsecureRegistry, options.Username, options.Password), image.Repository);
    }

    /// <summary>A client for a registry (as written in references: docker.io, host:port).</summary>
    public RegistryClient Client(string registry, bool insecure, string? username, string? password) =>
        _clients.GetOrAdd((registry, insecure, username), key => new RegistryClient(
            key.Host == RegistryReference.DockerHub ? RegistryReference.DockerHubApiHost : key.Host,
            new RegistryClientOptions
            {
                Insecure = key.Insecure,
                Credentials = _credentials.Resolve(key.Host, new ImageOpenOptions { Username = username, Password = password, InsecureRegistry = insecure }),
            }));

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _clients.Clear();
    }
}
