using System.Collections.Concurrent;
using Comb.Image.Registry;
using Comb.Testing.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Comb.Image.Tests.Registry.RegistryTestKit;

namespace Comb.Image.Tests.Registry;

/// <summary>A clock that can be moved forward, to let cached tokens expire without waiting.</summary>
internal sealed class MovableClock : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}

/// <summary>Keeps every log line written, to read what a retry logged.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(Lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception));
    }
}

/// <summary>Tokens shared by every image of a registry and account, until they expire.</summary>
[Collection("registry")]
public sealed class RegistryTokenCacheTests(TokenRegistryFixture fixture) : IClassFixture<TokenRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RegistryServer Server => fixture.Server;

    private async Task<PushableImage> PushAsync(string repository)
    {
        var built = TwoLayerImage(repository);
        using var pusher = Server.CreateClient();
        await TestImagePusher.PushAsync(pusher, repository, "v1", built, cancellationToken: Ct);
        return built;
    }

    [Fact]
    public async Task One_token_serves_two_images_of_the_same_repository()
    {
        // Given an image in a registry that wants bearer tokens, and one transport as a host would hold it
        var built = await PushAsync("comb/shared-token");
        using var transport = RegistryTransport.CreateStandalone();
        var source = Source(transport: transport);
        var before = Server.Tokens!.TokensIssued;

        // When two images of that repository are opened and read one after the other
        await using (var first = await source.OpenAsync($"{Server.Host}/comb/shared-token:v1", Options(Server), Ct))
        {
            Assert.Equal(built.Layers[0].Blob, await ReadLayerAsync(first, first.Metadata.Layers[0]));
        }

        await using (var second = await source.OpenAsync($"{Server.Host}/comb/shared-token@{built.ManifestDigest}", Options(Server), Ct))
        {
            Assert.Equal(built.Layers[1].Blob, await ReadLayerAsync(second, second.Metadata.Layers[1]));
        }

        // Then the token server was asked once
        Assert.Equal(before + 1, Server.Tokens.TokensIssued);
    }

    [Fact]
    public async Task Another_account_or_scope_gets_its_own_token()
    {
        await PushAsync("comb/scope-a");
        await PushAsync("comb/scope-b");
        using var transport = RegistryTransport.CreateStandalone();
        var source = Source(transport: transport);
        var before = Server.Tokens!.TokensIssued;

        await using (await source.OpenAsync($"{Server.Host}/comb/scope-a:v1", Options(Server), Ct))
        {
        }

        await using (await source.OpenAsync($"{Server.Host}/comb/scope-b:v1", Options(Server), Ct))
        {
        }

        // A wrong password is a different account: its failure does not reuse the good account's token.
        await Assert.ThrowsAsync<RegistryException>(() => source.OpenAsync($"{Server.Host}/comb/scope-a:v1", Options(Server, password: "wrong"), Ct));

        Assert.Equal(before + 2, Server.Tokens.TokensIssued);
    }

    [Fact]
    public async Task A_token_is_fetched_again_once_it_has_expired()
    {
        // Given a transport whose clock can move, and a first pull that cached a token (the server grants 300 s)
        await PushAsync("comb/expiring-token");
        var clock = new MovableClock();
        using var provider = new ServiceCollection().AddCombRegistryHttp().BuildServiceProvider();
        using var transport = new RegistryTransport(provider.GetRequiredService<IHttpClientFactory>(), clock);
        var source = Source(transport: transport);
        var before = Server.Tokens!.TokensIssued;
        await using (await source.OpenAsync($"{Server.Host}/comb/expiring-token:v1", Options(Server), Ct))
        {
        }

        // When time passes within the lifetime, Then the token is reused
        clock.Advance(TimeSpan.FromSeconds(200));
        await using (await source.OpenAsync($"{Server.Host}/comb/expiring-token:v1", Options(Server), Ct))
        {
        }

        Assert.Equal(before + 1, Server.Tokens.TokensIssued);

        // When it passes the lifetime, Then a new token is asked for before the next request
        clock.Advance(TimeSpan.FromSeconds(101));
        await using (await source.OpenAsync($"{Server.Host}/comb/expiring-token:v1", Options(Server), Ct))
        {
        }

        Assert.Equal(before + 2, Server.Tokens.TokensIssued);
    }
}

/// <summary>Retries and connection reuse against the real registry, through proxies that fail or count.</summary>
[Collection("registry")]
public sealed class RegistryTransportTests(AnonymousRegistryFixture fixture) : IClassFixture<AnonymousRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RegistryServer Server => fixture.Server;

    [Fact]
    public async Task Retries_5xx_and_429_honouring_Retry_After()
    {
        // Given the real registry behind a proxy that answers the first manifest request 503 and the second 429 (Retry-After: 1)
        var built = TwoLayerImage("faults");
        using (var pusher = Server.CreateClient())
        {
            await TestImagePusher.PushAsync(pusher, "comb/faults", "v1", built, cancellationToken: Ct);
        }

        await using var proxy = FaultInjectingProxy.Start(Server.Host, async (context, hit) =>
        {
            if (!context.Request.Url!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal) || hit > 2)
            {
                return false;
            }

            await FaultInjectingProxy.AnswerAsync(context, hit == 1 ? 503 : 429, retryAfterSeconds: hit == 2 ? 1 : null);
            return true;
        });
        using var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var provider = new ServiceCollection().AddSingleton(loggerFactory).AddCombRegistryHttp().BuildServiceProvider();
        using var transport = new RegistryTransport(provider.GetRequiredService<IHttpClientFactory>(), TimeProvider.System);

        // When the image is opened through it
        await using var image = await Source(transport: transport).OpenAsync($"{proxy.Host}/comb/faults:v1", Options(Server), Ct);

        // Then the third attempt got the manifest, every layer verified, and the wait after the 429 was the registry's second
        Assert.Equal(built.ManifestDigest, image.Metadata.ManifestDigest);
        Assert.Equal(built.Layers[1].Blob, await ReadLayerAsync(image, image.Metadata.Layers[1]));
        Assert.Equal(3, proxy.Hits["/v2/comb/faults/manifests/v1"]);
        var retries = logs.Lines.Where(l => l.Contains("retrying in", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, retries.Count);
        Assert.Contains("503", retries[0], StringComparison.Ordinal);
        Assert.Contains("429", retries[1], StringComparison.Ordinal);
        Assert.EndsWith("retrying in 1000 ms", retries[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Images_opened_one_after_another_share_one_connection()
    {
        // Given two images, reached through a TCP proxy that counts connections
        var first = TwoLayerImage("pool-a");
        var second = TwoLayerImage("pool-b");
        using (var pusher = Server.CreateClient())
        {
            await TestImagePusher.PushAsync(pusher, "comb/pool", "a", first, cancellationToken: Ct);
            await TestImagePusher.PushAsync(pusher, "comb/pool", "b", second, cancellationToken: Ct);
        }

        await using var proxy = ResettingProxy.Start(Server.Port, resetConnections: 0);
        using var transport = RegistryTransport.CreateStandalone();
        var source = Source(transport: transport);

        // When both are opened and read in turn through one transport
        foreach (var tag in new[] { "a", "b" })
        {
            await using var image = await source.OpenAsync($"127.0.0.1:{proxy.Port}/comb/pool:{tag}", Options(Server), Ct);
            foreach (var layer in image.Metadata.Layers)
            {
                await ReadLayerAsync(image, layer);
            }
        }

        // Then, after one HTTPS probe that the plain-HTTP registry refused (insecure mode, remembered for the second
        // image), every request went over one pooled connection; a client per image used to take two each
        Assert.Equal(2, proxy.Connections);
    }
}
