using Comb.Contracts;
using Comb.Image.Registry;
using Comb.Server.Scans;

namespace Comb.Server.Registries;

/// <summary>A scan of a stored registry's image signs in with that registry's credentials, and only on that registry's host.</summary>
public sealed class RegistryCredentialSource(RegistryStore registries) : IScanCredentialSource
{
    public async Task<ScanOptions> ApplyAsync(string registry, string image, ScanOptions options, CancellationToken cancellationToken)
    {
        var record = await registries.GetAsync(registry, cancellationToken).ConfigureAwait(false)
            ?? throw new CombInputException($"no stored registry named {registry}");
        var reference = RegistryReference.Parse(image);
        if (!string.Equals(reference.Registry, record.Host, StringComparison.OrdinalIgnoreCase))
        {
            throw new CombInputException($"image {image} is not on registry {registry} ({record.Host}): its credentials are not sent elsewhere");
        }

        var credentials = await RegistryScanService.CredentialsAsync(record, cancellationToken).ConfigureAwait(false);
        if (credentials is null)
        {
            return options;
        }

        var byHost = new Dictionary<string, RegistryCredential>(options.RegistryCredentials ?? new Dictionary<string, RegistryCredential>(), StringComparer.OrdinalIgnoreCase)
        {
            [record.Host] = new RegistryCredential(credentials.Username, credentials.Password, credentials.IdentityToken, credentials.RegistryToken),
        };
        return options with { RegistryCredentials = byHost };
    }
}
