using System.Text;
using System.Text.Json;
using Comb.Contracts;

namespace Comb.Image.Registry;

/// <summary>Credentials for one registry; <see cref="Source"/> says where they came from (for error messages, never the secret).</summary>
public sealed record RegistryCredentials
{
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>An OAuth2 refresh token (docker config <c>identitytoken</c>), exchanged at the token realm.</summary>
    public string? IdentityToken { get; init; }

    /// <summary>A bearer token sent as is (docker config <c>registrytoken</c>).</summary>
    public string? RegistryToken { get; init; }

    public required string Source { get; init; }

    public bool HasPassword => !string.IsNullOrEmpty(Username) && Password is not null;

    public override string ToString() => $"credentials from {Source}" + (Username is null ? string.Empty : $" (user '{Username}')");
}

/// <summary>
/// Finds credentials for a registry, first match wins: those given with the request for that registry
/// (<see cref="ImageOpenOptions.RegistryCredentials"/>), then explicit options (flags), then the environment
/// (<c>COMB_USERNAME</c>/<c>COMB_PASSWORD</c>, which apply to every registry), then the Docker config file
/// (<c>--docker-config</c>, else <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>).
/// </summary>
public sealed class RegistryCredentialResolver
{
    public const string UsernameVariable = "COMB_USERNAME";
    public const string PasswordVariable = "COMB_PASSWORD";
    private const string DockerHubConfigKey = "https://index.docker.io/v1/";

    private readonly Func<string, string?> _environment;

    public RegistryCredentialResolver()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>For tests: reads variables through <paramref name="environment"/> instead of the process environment.</summary>
    public RegistryCredentialResolver(Func<string, string?> environment)
    {
        _environment = environment;
    }

    /// <summary>Blocking form of <see cref="ResolveAsync"/> for callers without a token (a credential helper may take up to 15 s).</summary>
    public RegistryCredentials? Resolve(string registry, ImageOpenOptions options) =>
        ResolveAsync(registry, options, CancellationToken.None).GetAwaiter().GetResult();

    public async Task<RegistryCredentials?> ResolveAsync(string registry, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        if (FromRequest(options.RegistryCredentials, registry) is { } given)
        {
            // An entry without user or token asks for anonymous access to that registry: nothing else is looked up.
            return given.Username is null && given.IdentityToken is null && given.RegistryToken is null ? null : given;
        }

        if (!string.IsNullOrEmpty(options.Username))
        {
            return new RegistryCredentials { Username = options.Username, Password = options.Password ?? string.Empty, Source = "the command line" };
        }

        var envUser = _environment(UsernameVariable);
        if (!string.IsNullOrEmpty(envUser))
        {
            return new RegistryCredentials
            {
                Username = envUser,
                Password = _environment(PasswordVariable) ?? string.Empty,
                Source = $"{UsernameVariable}/{PasswordVariable}",
            };
        }

        var configPath = options.DockerConfigPath ?? DefaultDockerConfigPath();
        return configPath is not null && File.Exists(configPath)
            ? await FromDockerConfigAsync(configPath, registry, _environment, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>The request's credentials for the registry, matched by host[:port] as Docker config keys are (Docker Hub by any of its names).</summary>
    private static RegistryCredentials? FromRequest(IReadOnlyDictionary<string, RegistryCredential> given, string registry)
    {
        if (given.Count == 0)
        {
            return null;
        }

        var wanted = CandidateKeys(registry);
        foreach (var (key, credential) in given.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!wanted.Contains(NormalizeKey(key)))
            {
                continue;
            }

            return new RegistryCredentials
            {
                Username = string.IsNullOrEmpty(credential.Username) ? null : credential.Username,
                Password = string.IsNullOrEmpty(credential.Username) ? null : credential.Password ?? string.Empty,
                IdentityToken = string.IsNullOrEmpty(credential.IdentityToken) ? null : credential.IdentityToken,
                RegistryToken = string.IsNullOrEmpty(credential.RegistryToken) ? null : credential.RegistryToken,
                Source = $"the request's credentials for {key}",
            };
        }

        return null;
    }

    private string? DefaultDockerConfigPath()
    {
        var dockerConfig = _environment("DOCKER_CONFIG");
        if (!string.IsNullOrEmpty(dockerConfig))
        {
            return Path.Combine(dockerConfig, "config.json");
        }

        var home = _environment("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = _environment("USERPROFILE");
        }

        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".docker", "config.json");
    }

    /// <summary>
    /// Reads credentials for the registry from a Docker config file: its credential helper (<c>credHelpers</c>,
    /// then <c>credsStore</c>) when that helper is installed and knows the registry, else the <c>auths</c> entry.
    /// </summary>
    public static RegistryCredentials? FromDockerConfig(string path, string registry, Func<string, string?>? environment = null) =>
        FromDockerConfigAsync(path, registry, environment, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="FromDockerConfig"/>
    public static async Task<RegistryCredentials?> FromDockerConfigAsync(string path, string registry, Func<string, string?>? environment, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"Docker config '{path}' is not valid JSON: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new CombInputException($"Docker config '{path}' cannot be read: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && HelperFor(document.RootElement, registry) is { } helper
                && await new CredentialHelper(helper, environment ?? Environment.GetEnvironmentVariable)
                    .GetAsync(HelperServerUrl(registry), cancellationToken).ConfigureAwait(false) is { } fromHelper)
            {
                return fromHelper;
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("auths", out var auths)
                || auths.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var wanted = CandidateKeys(registry);
            foreach (var entry in auths.EnumerateObject())
            {
                if (entry.Value.ValueKind == JsonValueKind.Object && wanted.Contains(NormalizeKey(entry.Name)))
                {
                    var credentials = FromAuthEntry(entry.Value, $"Docker config '{path}' (auths.{entry.Name})");
                    if (credentials is not null)
                    {
                        return credentials;
                    }
                }
            }
        }

        return null;
    }

    private static RegistryCredentials? FromAuthEntry(JsonElement entry, string source)
    {
        string? username = StringProperty(entry, "username");
        string? password = StringProperty(entry, "password");
        var auth = StringProperty(entry, "auth");
        if (!string.IsNullOrEmpty(auth))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            }
            catch (FormatException ex)
            {
                throw new CombInputException($"{source}: 'auth' is not valid base64", ex);
            }

            // The password may itself contain ':'; only the first one separates it from the user.
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new CombInputException($"{source}: 'auth' must encode 'username:password'");
            }

            username = decoded[..colon];
            password = decoded[(colon + 1)..];
        }

        var identityToken = StringProperty(entry, "identitytoken");
        var registryToken = StringProperty(entry, "registrytoken");
        if (string.IsNullOrEmpty(username) && string.IsNullOrEmpty(identityToken) && string.IsNullOrEmpty(registryToken))
        {
            return null;
        }

        return new RegistryCredentials
        {
            Username = string.IsNullOrEmpty(username) ? null : username,
            Password = password,
            IdentityToken = string.IsNullOrEmpty(identityToken) ? null : identityToken,
            RegistryToken = string.IsNullOrEmpty(registryToken) ? null : registryToken,
            Source = source,
        };
    }

    private static string? HelperFor(JsonElement root, string registry)
    {
        if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
        {
            var wanted = CandidateKeys(registry);
            foreach (var entry in helpers.EnumerateObject())
            {
                if (entry.Value.ValueKind == JsonValueKind.String && wanted.Contains(NormalizeKey(entry.Name)))
                {
                    return entry.Value.GetString();
                }
            }
        }

        var store = StringProperty(root, "credsStore");
        return string.IsNullOrEmpty(store) ? null : store;
    }

    private static string HelperServerUrl(string registry) =>
        registry is RegistryReference.DockerHub or RegistryReference.DockerHubApiHost or "index.docker.io" ? DockerHubConfigKey : registry;

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Config keys may carry a scheme and a path (<c>https://host:5000/v1/</c>); compare by host[:port] only.</summary>
    internal static string NormalizeKey(string key)
    {
        var text = key.Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            text = text[..slash];
        }

        return text.ToLowerInvariant();
    }

    private static HashSet<string> CandidateKeys(string registry)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal) { registry.ToLowerInvariant() };
        if (registry is RegistryReference.DockerHub or RegistryReference.DockerHubApiHost or "index.docker.io")
        {
            keys.Add(NormalizeKey(DockerHubConfigKey));
            keys.Add(RegistryReference.DockerHub);
            keys.Add(RegistryReference.DockerHubApiHost);
        }

        return keys;
    }
}
