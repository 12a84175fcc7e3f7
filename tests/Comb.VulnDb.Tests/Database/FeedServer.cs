using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Comb.VulnDb.Tests.Database;

/// <summary>
/// A real HTTP server on 127.0.0.1 serving a feed directory, like a mirror. Faults can be queued per path:
/// a 500 response, or a body cut off halfway (the declared length is never delivered).
/// </summary>
internal sealed class FeedServer : IAsyncDisposable
{
    public enum Fault
    {
        ServerError,
        Truncate,
    }

    private readonly HttpListener _listener = new();
    private readonly string _root;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public FeedServer(string root)
    {
        _root = root;
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    public void Inject(string path, params Fault[] faults) => _faults[path] = new ConcurrentQueue<Fault>(faults);

    public int Requests(string path) => _requests.GetValueOrDefault(path);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        var path = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath);
        _requests.AddOrUpdate(path, 1, (_, n) => n + 1);
        var response = context.Response;
        try
        {
            Fault? fault = _faults.TryGetValue(path, out var queue) && queue.TryDequeue(out var f) ? f : null;
            if (fault == Fault.ServerError)
            {
                response.StatusCode = 500;
                response.Close();
                return;
            }

            var file = Path.GetFullPath(Path.Combine(_root, path.TrimStart('/')));
            if (!file.StartsWith(Path.GetFullPath(_root), StringComparison.Ordinal) || !File.Exists(file))
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }

            var bytes = await File.ReadAllBytesAsync(file);
            response.ContentLength64 = bytes.Length;
            if (fault == Fault.Truncate)
            {
                await response.OutputStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                await response.OutputStream.FlushAsync();
                response.Abort();
                return;
            }

            await response.OutputStream.WriteAsync(bytes);
            response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            response.Abort();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
