using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Comb.Image.Registry;

/// <summary>
/// The HTTP clients every registry request goes through: two named clients from <see cref="IHttpClientFactory"/>
/// (verified TLS, and <c>--insecure-registry</c>) over the host's <see cref="RegistryConnectionPool"/>, so connections are
/// pooled per host across images and scans and closed when the host is disposed,
/// with a resilience pipeline that retries transient failures (5xx, 429, 408, resets, no headers in time).
/// Retry limits travel on each request (<see cref="RegistryRetrySettings"/>), so one pipeline serves every client.
/// </summary>
public static partial class RegistryHttp
{
    public const string SecureClient = "comb-registry";
    public const string InsecureClient = "comb-registry-insecure";

    /// <summary>Upper bound on attempts whatever a request asks for.</summary>
    private const int MaxAttemptsCeiling = 10;

    internal static readonly HttpRequestOptionsKey<RegistryRetrySettings> SettingsKey = new("comb.registry.retry");

    /// <summary>Registers the two registry clients, their retry pipeline and the connection pool they share (closed with the host).</summary>
    public static IServiceCollection AddCombRegistryHttp(this IServiceCollection services)
    {
        services.TryAddSingleton<RegistryConnectionPool>();
        Add(services, SecureClient, insecure: false);
        Add(services, InsecureClient, insecure: true);
        return services;
    }

    private static void Add(IServiceCollection services, string name, bool insecure) => services
        .AddHttpClient(name, client =>
        {
            client.Timeout = Timeout.InfiniteTimeSpan; // bodies stream without a deadline; headers have one per attempt
            client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("comb", typeof(RegistryHttp).Assembly.GetName().Version?.ToString(3) ?? "0"));
        })
        .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<RegistryConnectionPool>().Primary(insecure))
        .AddResilienceHandler("registry", (pipeline, context) =>
        {
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RegistryClient));
            Configure(pipeline, logger);
        });

    private static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ILogger logger)
    {
        pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = MaxAttemptsCeiling - 1,
            ShouldHandle = args => ValueTask.FromResult(
                args.AttemptNumber + 1 < Settings(args.Context).MaxAttempts && IsTransient(args.Outcome, args.Context.CancellationToken)),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                Settings(args.Context).Backoff(args.AttemptNumber + 1, RetryAfter(args.Outcome.Result))),
            OnRetry = args =>
            {
                var settings = Settings(args.Context);
                var failure = args.Outcome.Result is { } response
                    ? $"{(int)response.StatusCode} {response.ReasonPhrase}"
                    : Innermost(args.Outcome.Exception!).Message;
                LogRetry(logger, settings.What, args.AttemptNumber + 1, settings.MaxAttempts, failure, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception);
                return ValueTask.CompletedTask;
            },
        });
        pipeline.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(Settings(args.Context).RequestTimeout),
        });
    }

    private static RegistryRetrySettings Settings(ResilienceContext context) =>
        context.GetRequestMessage() is { } request && request.Options.TryGetValue(SettingsKey, out var settings)
            ? settings
            : RegistryRetrySettings.Default;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken)
    {
        if (outcome.Result is { } response)
        {
            return IsTransient(response.StatusCode);
        }

        return !cancellationToken.IsCancellationRequested && outcome.Exception switch
        {
            HttpRequestException http => !IsTlsHandshakeFailure(http), // a certificate problem does not heal by itself
            IOException or TimeoutRejectedException => true,
            _ => false,
        };
    }

    internal static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    internal static bool IsTlsHandshakeFailure(HttpRequestException ex) =>
        ex.HttpRequestError == HttpRequestError.SecureConnectionError || Innermost(ex) is AuthenticationException;

    internal static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What}: attempt {Attempt} of {Attempts} failed ({Failure}); retrying in {DelayMs:0} ms")]
    private static partial void LogRetry(ILogger logger, string what, int attempt, int attempts, string failure, double delayMs, Exception? error);
}

/// <summary>Retry limits for one request (from <see cref="RegistryClientOptions"/>), and what to call it in a log line.</summary>
internal sealed record RegistryRetrySettings(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, TimeSpan RequestTimeout, string What)
{
    public static readonly RegistryRetrySettings Default = From(new RegistryClientOptions(), "registry request");

    public static RegistryRetrySettings From(RegistryClientOptions options, string what) =>
        new(Math.Max(1, options.MaxAttempts), options.RetryBaseDelay, options.MaxRetryDelay, options.RequestTimeout, what);

    /// <summary>Exponential backoff with jitter; a longer Retry-After from the registry wins; capped at <see cref="MaxDelay"/>.</summary>
    public TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = BaseDelay * Math.Pow(2, attempt - 1);
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        var delay = retryAfter is { } wanted && wanted > exponential ? wanted : exponential * jitter;
        return delay > MaxDelay ? MaxDelay : delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}
