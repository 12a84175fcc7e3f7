using System.Net;
using System.Net.Sockets;

namespace Comb.Testing.Registry;

/// <summary>A small HTTP server on 127.0.0.1 with a free port, answering with a handler; for misbehaving-registry tests and the token realm.</summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<HttpListenerContext, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private LoopbackHttpServer(HttpListener listener, string hostName, int port, Func<HttpListenerContext, Task> handler)
    {
        HostName = hostName;
        _listener = listener;
        _handler = handler;
        Port = port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>host:port, as a registry reference names it.</summary>
    public string Host => $"{HostName}:{Port}";

    /// <summary>127.0.0.1, or localhost when the server must look like a different host.</summary>
    public string HostName { get; }

    public Uri BaseUri => new($"http://{Host}/");

    public static LoopbackHttpServer Start(Func<HttpListenerContext, Task> handler, string hostName = "127.0.0.1")
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://{hostName}:{port}/");
            try
            {
                listener.Start();
                return new LoopbackHttpServer(listener, hostName, port, handler);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await _handler(context);
                }
                catch (Exception)
                {
                    TryFail(context);
                }
                finally
                {
                    try
                    {
                        context.Response.Close();
                    }
                    catch (Exception)
                    {
                        // The handler may have aborted the connection on purpose.
                    }
                }
            });
        }
    }

    private static void TryFail(HttpListenerContext context)
    {
        try
        {
            context.Response.StatusCode = 500;
        }
        catch (InvalidOperationException)
        {
            // Headers were already sent.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
