using System.Net;
using System.Net.Sockets;

namespace Comb.Testing.Registry;

/// <summary>
/// A TCP proxy on 127.0.0.1 that resets its first N connections (RST, nothing answered) and forwards the rest
/// to a target port: a registry behind a flaky network.
/// </summary>
public sealed class ResettingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly int _resets;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _connections;

    private ResettingProxy(int target, int resets)
    {
        _target = target;
        _resets = resets;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public static ResettingProxy Start(int targetPort, int resetConnections) => new(targetPort, resetConnections);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            if (Interlocked.Increment(ref _connections) <= _resets)
            {
                // Wait for the request so the client has sent it, then reset instead of answering.
                _ = Task.Run(async () =>
                {
                    var buffer = new byte[4096];
                    try
                    {
                        _ = await client.GetStream().ReadAsync(buffer, _stop.Token);
                    }
                    catch (Exception) when (_stop.IsCancellationRequested)
                    {
                    }

                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Close();
                });
                continue;
            }

            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var a = client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
                var b = upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                await Task.WhenAny(a, b);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // The connection ended; nothing to forward any more.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
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
