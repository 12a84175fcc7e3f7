using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Comb.Testing.Registry;

/// <summary>
/// A Docker token-auth realm on loopback: checks Basic credentials, grants the requested repository actions
/// and returns a JWT (RS256, certificate in the x5c header) that the registry verifies against its root bundle.
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    public const string Issuer = "comb-test-issuer";
    public const string Service = "comb-test-registry";

    private readonly RSA _key;
    private readonly X509Certificate2 _certificate;
    private readonly string _username;
    private readonly string _password;
    private readonly LoopbackHttpServer _http;
    private int _issued;

    private TokenServer(string dir, string username, string password)
    {
        var (certificate, key, certPath, _) = TestCertificates.CreateSelfSigned(dir, "token-signer");
        _certificate = certificate;
        _key = key;
        RootCertBundlePath = certPath;
        _username = username;
        _password = password;
        _http = LoopbackHttpServer.Start(HandleAsync);
    }

    public static TokenServer Start(string dir, string username, string password) => new(dir, username, password);

    public string Realm => $"http://{_http.Host}/token";

    public string RootCertBundlePath { get; }

    /// <summary>How many tokens were handed out (to check that tokens are cached).</summary>
    public int TokensIssued => Volatile.Read(ref _issued);

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (request.Url?.AbsolutePath != "/token")
        {
            response.StatusCode = 404;
            return;
        }

        var user = CheckBasic(request.Headers["Authorization"]);
        if (user is null && request.Headers["Authorization"] is not null)
        {
            response.StatusCode = 401;
            await WriteJsonAsync(response, new Dictionary<string, string> { ["details"] = "invalid credentials" });
            return;
        }

        var scopes = (request.QueryString.GetValues("scope") ?? []).SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // Only the authenticated user gets access; anonymous callers get a token without any access.
        var access = user is null ? [] : scopes.Select(ParseScope).Where(a => a is not null).ToArray();
        var token = SignToken(user ?? string.Empty, access!);
        Interlocked.Increment(ref _issued);
        await WriteJsonAsync(response, new Dictionary<string, object>
        {
            ["token"] = token,
            ["expires_in"] = 300,
            ["issued_at"] = DateTimeOffset.UtcNow.ToString("O"),
        });
    }

    private string? CheckBasic(string? header)
    {
        if (header is null || !header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        return decoded == $"{_username}:{_password}" ? _username : null;
    }

    private static Dictionary<string, object>? ParseScope(string scope)
    {
        // type:name:actions, where the name may itself contain ':' (host:port).
        var first = scope.IndexOf(':', StringComparison.Ordinal);
        var last = scope.LastIndexOf(':');
        if (first <= 0 || last <= first)
        {
            return null;
        }

        return new Dictionary<string, object>
        {
            ["type"] = scope[..first],
            ["name"] = scope[(first + 1)..last],
            ["actions"] = scope[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries),
        };
    }

    private string SignToken(string subject, object[] access)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new Dictionary<string, object>
        {
            ["typ"] = "JWT",
            ["alg"] = "RS256",
            ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) },
        };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = subject,
            ["aud"] = Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task WriteJsonAsync(HttpListenerResponse response, object body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _http.DisposeAsync();
        _key.Dispose();
        _certificate.Dispose();
    }
}
