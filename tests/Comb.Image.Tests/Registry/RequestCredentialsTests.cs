using Comb.Contracts;
using Comb.Image.Registry;
using Comb.Testing.Registry;
using Microsoft.Extensions.Logging.Abstractions;
using static Comb.Image.Tests.Registry.RegistryTestKit;

namespace Comb.Image.Tests.Registry;

/// <summary>Credentials given with a request (a server's scan request), per registry, against a real token-auth registry.</summary>
[Collection("registry")]
public sealed class RequestCredentialsTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RegistryServer Server => fixture.Server;

    [Fact]
    public async Task A_requests_credentials_win_over_the_environment()
    {
        // Given an image, and an environment whose COMB_USERNAME/COMB_PASSWORD the registry refuses
        var built = await PushAsync("request-wins");

        using var transport = RegistryTransport.CreateStandalone();
        var source = SourceWithEnvironment(transport, RegistryServer.Username, "not-the-password");

        // When the request names the right credentials for that registry, Then the image opens and its layers read
        await using (var image = await source.OpenAsync($"{Server.Host}/comb/request-wins:v1", Request(RegistryServer.Password), Ct))
        {
            Assert.Equal(built.Layers[1].Blob, await ReadLayerAsync(image, image.Metadata.Layers[1]));
        }

        // And without them the environment's are used, and refused
        var refused = await Assert.ThrowsAsync<RegistryException>(() => source.OpenAsync($"{Server.Host}/comb/request-wins:v1", Request(null), Ct));
        Assert.Equal(CombErrorKind.Unauthorized, refused.Kind);
    }

    [Fact]
    public async Task Two_requests_with_different_credentials_never_share_a_token()
    {
        // Given an image, one transport as a server holds it, and an environment with the right credentials
        var built = await PushAsync("per-account");

        using var transport = RegistryTransport.CreateStandalone();
        var source = SourceWithEnvironment(transport, RegistryServer.Username, RegistryServer.Password);
        var before = Server.Tokens!.TokensIssued;

        // When a request with the right credentials has pulled (and cached a token)
        await using (await source.OpenAsync($"{Server.Host}/comb/per-account:v1", Request(RegistryServer.Password), Ct))
        {
        }

        // Then a request with a wrong password for the same registry and repository is refused, not served the cached token
        var refused = await Assert.ThrowsAsync<RegistryException>(() => source.OpenAsync($"{Server.Host}/comb/per-account:v1", Request("wrong"), Ct));
        Assert.Equal(CombErrorKind.Unauthorized, refused.Kind);

        // And a request asking for anonymous access to that registry gets no token with access, despite the environment
        await Assert.ThrowsAsync<RegistryException>(() => source.OpenAsync($"{Server.Host}/comb/per-account:v1", Request(null, anonymous: true), Ct));

        // And the first account's token still serves its next request without asking again
        var issued = Server.Tokens.TokensIssued;
        await using (await source.OpenAsync($"{Server.Host}/comb/per-account:v1", Request(RegistryServer.Password), Ct))
        {
        }

        Assert.Equal(issued, Server.Tokens.TokensIssued);
        Assert.True(issued > before);
    }

    private async Task<PushableImage> PushAsync(string name)
    {
        var built = TwoLayerImage(name);
        using var pusher = Server.CreateClient();
        await TestImagePusher.PushAsync(pusher, "comb/" + name, "v1", built, cancellationToken: Ct);
        return built;
    }

    /// <summary>Options naming the registry's credentials for this request (none when <paramref name="password"/> is null).</summary>
    private ImageOpenOptions Request(string? password, bool anonymous = false) => Options(Server, credentials: false) with
    {
        RegistryCredentials = anonymous
            ? new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase) { [Server.Host] = new() }
            : password is null
                ? new Dictionary<string, RegistryCredential>()
                : new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase) { [Server.Host.ToUpperInvariant()] = new(RegistryServer.Username, password) },
    };

    /// <summary>A source whose environment holds COMB_USERNAME/COMB_PASSWORD (and no Docker config).</summary>
    private static RegistryImageSource SourceWithEnvironment(RegistryTransport transport, string username, string password) => new(
        new RegistryCredentialResolver(name => name switch
        {
            RegistryCredentialResolver.UsernameVariable => username,
            RegistryCredentialResolver.PasswordVariable => password,
            _ => null,
        }),
        NullLoggerFactory.Instance,
        transport,
        o => o with { RetryBaseDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 3 });
}
