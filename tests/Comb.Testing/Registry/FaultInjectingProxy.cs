using System.Collections.Concurrent;
using System.Net;

namespace Comb.Testing.Registry;

/// <summary>
/// An HTTP proxy on loopback in front of a real registry: a fault rule may answer a request itself (a 503, a 429
/// with Retry-After, ...); everything else is forwarded as it is. Counts the requests per path.
/// </summary>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    private static readonly string[] ResponseHeaders = ["Docker-Content-Digest", "WWW-Authenticate", "Location", "Link", "Docker-Distribution-Api-Version", "OCI-Chunk-Min-Length"];

    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly string _target;
    private readonly Func<HttpListenerContext, int, Task<bool>> _fault;
    private readonly LoopbackHttpServer _http;

    private FaultInjectingProxy(string targetHost, Func<HttpListenerContext, int, Task<bool>> fault)
    {
        _target = targetHost;
        _fault = fault;
        _http = LoopbackHttpServer.Start(HandleAsync);
    }

    /// <param name="fault">Gets each request and how often its path was seen (1 the first time); returns true when it answered.</param>
    public static FaultInjectingProxy Start(string targetHost, Func<HttpListenerContext, int, Task<bool>> fault) => new(targetHost, fault);

    public string Host => _http.Host;

    public ConcurrentDictionary<string, int> Hits { get; } = new(StringComparer.Ordinal);

    /// <summary>Answers with a status, optional Retry-After seconds and a Distribution error body.</summary>
    public static async Task AnswerAsync(HttpListenerContext context, int status, int? retryAfterSeconds = null)
    {
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var body = """{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}"""u8.ToArray();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = body.Length;
        await context.Response.OutputStream.WriteAsync(body);
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        var hit = Hits.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (await _fault(context, hit))
        {
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), $"http://{_target}{context.Request.Url.PathAndQuery}");
        foreach (var name in new[] { "Authorization", "Accept" })
        {
            if (context.Request.Headers.GetValues(name) is { } values)
            {
                request.Headers.TryAddWithoutValidation(name, values);
            }
        }

        if (context.Request.HasEntityBody)
        {
            using var buffer = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(buffer);
            request.Content = new ByteArrayContent(buffer.ToArray());
            if (context.Request.ContentType is { } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var name in ResponseHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                context.Response.Headers[name] = string.Join(", ", values);
            }
        }

        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.Content.Headers.ContentType is { } type)
        {
            context.Response.ContentType = type.ToString();
        }

        context.Response.ContentLength64 = context.Request.HttpMethod == "HEAD" ? response.Content.Headers.ContentLength ?? 0 : body.Length;
        if (context.Request.HttpMethod != "HEAD")
        {
            await context.Response.OutputStream.WriteAsync(body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _http.DisposeAsync();
        _upstream.Dispose();
    }
}
