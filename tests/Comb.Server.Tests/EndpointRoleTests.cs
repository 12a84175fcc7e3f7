using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

/// <summary>
/// Every route the server maps, called with no token and with each role's token: no token is 401, a role that may not
/// is 403, a role that may is neither. The routes come from the app itself, so a route added without an entry in
/// <see cref="Routes"/> fails this test until its access is written down here.
/// </summary>
public sealed partial class EndpointRoleTests
{
    /// <summary>Who may call a route.</summary>
    public enum Access
    {
        /// <summary>Anyone, no token needed.</summary>
        Anonymous,

        /// <summary>viewer, scanner, admin.</summary>
        Read,

        /// <summary>scanner, admin.</summary>
        Scan,

        /// <summary>admin only.</summary>
        Admin,

        /// <summary>A console page: like <see cref="Read"/>, but a caller with no token is sent to the sign-in page.</summary>
        ConsoleRead,

        /// <summary>A console action: like <see cref="Scan"/>, no token sent to the sign-in page.</summary>
        ConsoleScan,

        /// <summary>A console action: like <see cref="Admin"/>, no token sent to the sign-in page.</summary>
        ConsoleAdmin,
    }

    /// <summary>"METHOD /route/pattern" (as mapped, without a trailing slash) and who may call it.</summary>
    public static readonly IReadOnlyDictionary<string, Access> Routes = new Dictionary<string, Access>(StringComparer.Ordinal)
    {
        ["GET /healthz"] = Access.Anonymous,
        ["GET /readyz"] = Access.Anonymous,
        ["GET /metrics"] = Access.Anonymous,
        ["GET /openapi/{documentName}.json"] = Access.Anonymous,

        ["GET /api/v1/tokens"] = Access.Admin,
        ["POST /api/v1/tokens"] = Access.Admin,
        ["DELETE /api/v1/tokens/{id}"] = Access.Admin,

        ["POST /api/v1/scans"] = Access.Scan,
        ["GET /api/v1/scans"] = Access.Read,
        ["GET /api/v1/scans/{id}"] = Access.Read,
        ["POST /api/v1/scans/{id}/cancel"] = Access.Scan,
        ["DELETE /api/v1/scans/{id}"] = Access.Scan,
        ["GET /api/v1/scans/{id}/report"] = Access.Read,

        ["GET /api/v1/images"] = Access.Read,
        ["GET /api/v1/images/digests"] = Access.Read,
        ["GET /api/v1/history"] = Access.Read,
        ["GET /api/v1/history/{scanId}"] = Access.Read,
        ["GET /api/v1/history/{scanId}/report"] = Access.Read,
        ["GET /api/v1/trace"] = Access.Read,
        ["GET /api/v1/diff"] = Access.Read,
        ["GET /api/v1/impact"] = Access.Read,
        ["POST /api/v1/rescan"] = Access.Scan,
        ["GET /api/v1/audit"] = Access.Admin,

        ["GET /api/v1/policies"] = Access.Read,
        ["GET /api/v1/policies/{name}"] = Access.Read,
        ["PUT /api/v1/policies/{name}"] = Access.Admin,
        ["GET /api/v1/policies/{name}/revisions"] = Access.Read,
        ["GET /api/v1/policies/{name}/revisions/{revision:int}"] = Access.Read,
        ["GET /api/v1/policies/{name}/resolved"] = Access.Read,

        ["GET /api/v1/exceptions"] = Access.Read,
        ["POST /api/v1/exceptions"] = Access.Admin,
        ["GET /api/v1/exceptions/{id}"] = Access.Read,
        ["PUT /api/v1/exceptions/{id}"] = Access.Admin,
        ["POST /api/v1/exceptions/{id}/expire"] = Access.Admin,

        ["POST /api/v1/registries"] = Access.Admin,
        ["GET /api/v1/registries"] = Access.Read,
        ["GET /api/v1/registries/{name}"] = Access.Read,
        ["PATCH /api/v1/registries/{name}"] = Access.Admin,
        ["DELETE /api/v1/registries/{name}"] = Access.Admin,
        ["GET /api/v1/registries/{name}/images"] = Access.Read,
        ["POST /api/v1/registries/{name}/scan-all"] = Access.Scan,
        ["POST /api/v1/registries/{name}/scan"] = Access.Scan,
        ["POST /api/v1/registries/{name}/events"] = Access.Scan,

        ["GET /api/v1/runtime/containers"] = Access.Read,
        ["GET /api/v1/admission/decisions"] = Access.Read,

        ["GET /harbor/api/v1/metadata"] = Access.Read,
        ["POST /harbor/api/v1/scan"] = Access.Scan,
        ["GET /harbor/api/v1/scan/{scanRequestId}/report"] = Access.Read,

        ["GET /console/{file}"] = Access.Anonymous,
        ["GET /login"] = Access.Anonymous,
        ["POST /login"] = Access.Anonymous,
        ["POST /logout"] = Access.ConsoleRead,
        ["GET /"] = Access.ConsoleRead,
        ["GET /images"] = Access.ConsoleRead,
        ["POST /images/scan"] = Access.ConsoleScan,
        ["GET /images/{digest}"] = Access.ConsoleRead,
        ["GET /images/{digest}/report"] = Access.ConsoleRead,
        ["GET /vulnerabilities/{id}"] = Access.ConsoleRead,
        ["GET /scans"] = Access.ConsoleRead,
        ["GET /scans/events"] = Access.ConsoleRead,
        ["POST /scans/submit"] = Access.ConsoleScan,
        ["POST /scans/all"] = Access.ConsoleScan,
        ["POST /scans/rematch"] = Access.ConsoleScan,
        ["POST /scans/{id}/cancel"] = Access.ConsoleScan,
        ["GET /policies"] = Access.ConsoleRead,
        ["GET /policies/{name}"] = Access.ConsoleRead,
        ["POST /policies/{name}"] = Access.ConsoleAdmin,
        ["GET /exceptions"] = Access.ConsoleRead,
        ["POST /exceptions"] = Access.ConsoleAdmin,
        ["POST /exceptions/triage"] = Access.ConsoleAdmin,
        ["POST /exceptions/{id}/expire"] = Access.ConsoleAdmin,
        ["POST /exceptions/{id}/owner"] = Access.ConsoleAdmin,
        ["GET /vex"] = Access.ConsoleAdmin,
        ["GET /vex/openvex.json"] = Access.ConsoleRead,
        ["POST /vex/{id}/revoke"] = Access.ConsoleAdmin,
        ["GET /audit"] = Access.ConsoleAdmin,
        ["GET /tokens"] = Access.ConsoleAdmin,
        ["POST /tokens"] = Access.ConsoleAdmin,
        ["POST /tokens/{id}/revoke"] = Access.ConsoleAdmin,
        ["GET /registries"] = Access.ConsoleRead,
        ["POST /registries"] = Access.ConsoleAdmin,
        ["GET /registries/{name}"] = Access.ConsoleRead,
        ["GET /registries/{name}/edit"] = Access.ConsoleAdmin,
        ["POST /registries/{name}"] = Access.ConsoleAdmin,
        ["POST /registries/{name}/delete"] = Access.ConsoleAdmin,
        ["POST /registries/{name}/scan-all"] = Access.ConsoleScan,
        ["POST /registries/{name}/scan"] = Access.ConsoleScan,
        ["GET /runtime"] = Access.ConsoleRead,
        ["GET /admission"] = Access.ConsoleRead,
    };

    private static readonly string?[] Callers = [null, "viewer", "scanner", "admin"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every "METHOD /pattern" the running app maps.</summary>
    internal static IReadOnlyList<string> MappedRoutes(IServiceProvider services) =>
    [
        .. services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {Normalize(e.RoutePattern.RawText ?? "")}"))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal),
    ];

    /// <summary>The request content type a route declares it accepts (e.g. Harbor's scan request), by "METHOD /pattern".</summary>
    private static Dictionary<string, string> AcceptedContentTypes(IServiceProvider services)
    {
        var accepted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is { ContentTypes.Count: > 0 } accepts)
            {
                foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                {
                    accepted[$"{method} {Normalize(endpoint.RoutePattern.RawText ?? "")}"] = accepts.ContentTypes[0];
                }
            }
        }

        return accepted;
    }

    [Fact]
    public async Task Every_route_has_an_entry_and_answers_each_role_as_the_entry_says()
    {
        await using var server = new ServerFactory();
        var clients = new Dictionary<string, HttpClient>(StringComparer.Ordinal);
        foreach (var caller in Callers)
        {
            clients[caller ?? "no token"] = await server.ClientAsync(caller);
        }

        try
        {
            var mapped = MappedRoutes(server.Services);
            var missing = mapped.Where(r => !Routes.ContainsKey(r)).ToList();
            Assert.True(missing.Count == 0, "routes with no entry in EndpointRoleTests.Routes (add each with who may call it):\n" + string.Join('\n', missing));
            var stale = Routes.Keys.Where(r => !mapped.Contains(r)).ToList();
            Assert.True(stale.Count == 0, "entries in EndpointRoleTests.Routes that the server does not map:\n" + string.Join('\n', stale));

            var contentTypes = AcceptedContentTypes(server.Services);
            var wrong = new List<string>();
            foreach (var (route, access) in Routes)
            {
                var method = route[..route.IndexOf(' ', StringComparison.Ordinal)];
                var path = Concrete(route[(method.Length + 1)..]);
                foreach (var (caller, client) in clients)
                {
                    var (status, landed) = await SendAsync(client, method, path, contentTypes.GetValueOrDefault(route, "application/json"));
                    if (access is Access.ConsoleRead or Access.ConsoleScan or Access.ConsoleAdmin && caller == "no token")
                    {
                        // The console answers a browser without a session with its sign-in page, never with the content.
                        if (status is not (HttpStatusCode.Redirect or HttpStatusCode.SeeOther) && landed != "/login")
                        {
                            wrong.Add($"{route} as {caller}: {(int)status} at {landed}, expected the sign-in page");
                        }

                        continue;
                    }

                    var expected = Expected(access, caller);
                    var ok = expected is { } code ? status == code : status is not HttpStatusCode.Unauthorized and not HttpStatusCode.Forbidden;
                    if (!ok)
                    {
                        wrong.Add($"{route} as {caller}: {(int)status}, expected {(expected is { } e ? ((int)e).ToString(System.Globalization.CultureInfo.InvariantCulture) : "neither 401 nor 403")}");
                    }
                }
            }

            Assert.True(wrong.Count == 0, string.Join('\n', wrong));
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>401, 403, or null for "let through" (any answer but those two).</summary>
    private static HttpStatusCode? Expected(Access access, string caller) => (access, caller) switch
    {
        (Access.Anonymous, _) => null,
        (_, "no token") => HttpStatusCode.Unauthorized,
        (Access.Read or Access.ConsoleRead, _) => null,
        (Access.Scan or Access.ConsoleScan, "viewer") => HttpStatusCode.Forbidden,
        (Access.Scan or Access.ConsoleScan, _) => null,
        (Access.Admin or Access.ConsoleAdmin, "admin") => null,
        (Access.Admin or Access.ConsoleAdmin, _) => HttpStatusCode.Forbidden,
        _ => throw new ArgumentOutOfRangeException(nameof(access)),
    };

    /// <summary>The status, and the path the answer came from (after any redirect the client followed).</summary>
    private static async Task<(HttpStatusCode Status, string Landed)> SendAsync(HttpClient client, string method, string path, string contentType)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            // An empty object: enough to pass authorization, never a valid request that would change much.
            request.Content = new StringContent("{}", Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        // Headers only: an event stream (the console's live scans) never ends its body.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        return (response.StatusCode, response.RequestMessage?.RequestUri?.AbsolutePath ?? path);
    }

    /// <summary>A path for a pattern: numbers for int parameters, v1 for the OpenAPI document, "x" for the rest.</summary>
    private static string Concrete(string pattern) =>
        Parameter().Replace(pattern, m => m.Groups["constraint"].Value == "int" ? "1" : m.Groups["name"].Value == "documentName" ? "v1" : "x");

    private static string Normalize(string raw)
    {
        var path = "/" + raw.Trim('/');
        return path.Length > 1 ? path : "/";
    }

    [GeneratedRegex(@"\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?<constraint>[a-z]+))?\}")]
    private static partial Regex Parameter();
}
