using System.Net.Sockets;
using Comb.Contracts;
using Comb.Runtime.Containerd.Api;
using Grpc.Core;
using Grpc.Net.Client;

namespace Comb.Runtime.Containerd;

/// <summary>
/// containerd's gRPC API over its Unix socket, the read-only calls: namespaces, containers, tasks, images and snapshot
/// mounts. Every call names its namespace in the <c>containerd-namespace</c> header, as containerd's own clients do.
/// Unreachable sockets and refused calls become input errors that name the socket.
/// </summary>
internal sealed class ContainerdClient : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly GrpcChannel _channel;
    private readonly Namespaces.NamespacesClient _namespaces;
    private readonly Containers.ContainersClient _containers;
    private readonly Tasks.TasksClient _tasks;
    private readonly Images.ImagesClient _images;
    private readonly Snapshots.SnapshotsClient _snapshots;

    private ContainerdClient(string address, GrpcChannel channel)
    {
        Address = address;
        _channel = channel;
        _namespaces = new(channel);
        _containers = new(channel);
        _tasks = new(channel);
        _images = new(channel);
        _snapshots = new(channel);
    }

    public string Address { get; }

    public static ContainerdClient Connect(string address)
    {
        var full = Path.GetFullPath(address.StartsWith("unix://", StringComparison.Ordinal) ? address["unix://".Length..] : address);
        if (FileStat.Lstat(full) is null)
        {
            throw new CombInputException($"containerd socket not found: {full}", CombErrorKind.NotFound);
        }

        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(full), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

        // The authority is not used for routing (the socket is); containerd's API is plain HTTP/2 on it.
        var channel = GrpcChannel.ForAddress("http://containerd", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, MaxReceiveMessageSize = 64 << 20 });
        return new ContainerdClient(full, channel);
    }

    public async Task<IReadOnlyList<string>> NamespacesAsync(CancellationToken cancellationToken)
    {
        var reply = await CallAsync(o => _namespaces.ListAsync(new ListNamespacesRequest(), o), "", "list namespaces", cancellationToken).ConfigureAwait(false);
        return [.. reply.Namespaces.Select(n => n.Name).Order(StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<Container>> ContainersAsync(string ns, CancellationToken cancellationToken) =>
        [.. (await CallAsync(o => _containers.ListAsync(new ListContainersRequest(), o), ns, "list containers", cancellationToken).ConfigureAwait(false)).Containers];

    public async Task<IReadOnlyList<Process>> TasksAsync(string ns, CancellationToken cancellationToken) =>
        [.. (await CallAsync(o => _tasks.ListAsync(new ListTasksRequest(), o), ns, "list tasks", cancellationToken).ConfigureAwait(false)).Tasks];

    /// <summary>The image record of a name, or null when containerd has no image by that name (any more).</summary>
    public async Task<Api.Image?> ImageAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await CallAsync(o => _images.GetAsync(new GetImageRequest { Name = name }, o), ns, "get image " + name, cancellationToken, rethrowNotFound: true).ConfigureAwait(false)).Image;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<Mount>> MountsAsync(string ns, string snapshotter, string key, CancellationToken cancellationToken) =>
        [.. (await CallAsync(o => _snapshots.MountsAsync(new MountsRequest { Snapshotter = snapshotter, Key = key }, o), ns, $"mounts of snapshot {key}", cancellationToken).ConfigureAwait(false)).Mounts];

    private async Task<T> CallAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, string ns, string what, CancellationToken cancellationToken, bool rethrowNotFound = false)
    {
        var headers = new Metadata();
        if (ns.Length > 0)
        {
            headers.Add("containerd-namespace", ns);
        }

        try
        {
            return await call(new CallOptions(headers, DateTime.UtcNow + CallTimeout, cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound && rethrowNotFound)
        {
            throw;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex)
        {
            var detail = ex.StatusCode == StatusCode.Unavailable ? "containerd is not answering on this socket" : ex.Status.Detail;
            throw new CombInputException($"containerd at {Address}: {what}{(ns.Length > 0 ? $" (namespace {ns})" : "")} failed: {detail}", ex);
        }
    }

    public void Dispose() => _channel.Dispose();
}
