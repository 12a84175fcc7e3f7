namespace Comb.Contracts;

/// <summary>Credentials for one registry, given with a scan request instead of read from the environment.</summary>
public sealed record RegistryCredential(string? Username = null, string? Password = null, string? IdentityToken = null, string? RegistryToken = null);
