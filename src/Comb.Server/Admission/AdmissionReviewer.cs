using System.Diagnostics;
using System.Globalization;
using Comb.Contracts;
using Comb.Image.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Comb.Server.Admission;

/// <summary>
/// Answers one admission request: the images of the object, each pinned to its digest and decided, all within the
/// budget (the API server's timeout minus a margin). What is not decided by then, or cannot be decided at all (overload,
/// registry trouble, a failed scan), is answered by the failure policy: denied under Fail, allowed with a warning under
/// Ignore; never later than the budget. Each decision is audited, except for dry runs, which leave no trace.
/// </summary>
public sealed partial class AdmissionReviewer(DigestResolver digests, ImageJudge judge, AdmissionDecisionLog log, IOptions<AdmissionSettings> settings,
    TimeProvider time, ILogger<AdmissionReviewer> logger)
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, settings.Value.MaxConcurrentReviews));

    /// <summary>The review's budget: <paramref name="timeout"/> (the API server's, else the configured one) minus the margin.</summary>
    public TimeSpan Budget(TimeSpan? timeout)
    {
        var total = timeout ?? TimeSpan.FromSeconds(settings.Value.TimeoutSeconds);
        var budget = total - TimeSpan.FromSeconds(settings.Value.MarginSeconds);
        return budget > TimeSpan.FromMilliseconds(100) ? budget : TimeSpan.FromMilliseconds(100);
    }

    public async Task<AdmissionResponse> ReviewAsync(AdmissionRequest request, IReadOnlyList<ContainerImage> images, TimeSpan budget, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var dryRun = request.DryRun == true;
        budget = budget > TimeSpan.FromMilliseconds(50) ? budget : TimeSpan.FromMilliseconds(50);
        var decisions = await DecideAllAsync(request, images, dryRun, budget, cancellationToken).ConfigureAwait(false);
        var response = Compose(request.Uid!, decisions);
        if (!dryRun)
        {
            // Audited before the answer, unless the store is too slow for the budget: then the write goes on alone.
            var write = log.WriteAsync(Entries(request, images, decisions), CancellationToken.None);
            var left = budget - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || await Task.WhenAny(write, Task.Delay(left, time, cancellationToken)).ConfigureAwait(false) != write)
            {
                _ = write.ContinueWith(t => LogAuditFailed(logger, request.Uid!, t.Exception!.GetBaseException().Message), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
            else if (write.IsFaulted)
            {
                LogAuditFailed(logger, request.Uid!, write.Exception!.GetBaseException().Message);
            }
        }

        LogReview(logger, request.Uid!, request.Namespace ?? "", request.Kind?.Kind ?? "", response.Allowed, dryRun, time.GetElapsedTime(started).TotalMilliseconds);
        return response;
    }

    private async Task<ImageDecision[]> DecideAllAsync(AdmissionRequest request, IReadOnlyList<ContainerImage> images, bool dryRun, TimeSpan budget, CancellationToken cancellationToken)
    {
        if (request.Namespace is { } ns && settings.Value.ExcludeNamespaces.Contains(ns, StringComparer.Ordinal))
        {
            return [.. images.Select(_ => new ImageDecision(DecisionOutcome.Allowed, [$"namespace {ns} is excluded from admission checks"], []))];
        }

        if (images.Count == 0)
        {
            return [];
        }

        if (!_slots.Wait(0, CancellationToken.None))
        {
            return [.. images.Select(i => ImageDecision.Undecided($"Comb is overloaded ({settings.Value.MaxConcurrentReviews} reviews in progress); image {i.Image} was not judged"))];
        }

        // One decision per distinct image; the budget cancels what is still running when it ends.
        var distinct = images.Select(i => i.Image).Distinct(StringComparer.Ordinal).ToList();
        var deadline = new CancellationTokenSource(budget, time);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var seconds = budget.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        var work = distinct.ToDictionary(i => i, i => DecideOneAsync(i, dryRun, seconds, linked.Token), StringComparer.Ordinal);
        var all = Task.WhenAll(work.Values);
        _ = all.ContinueWith(_ =>
        {
            _slots.Release();
            linked.Dispose();
            deadline.Dispose();
        }, TaskScheduler.Default);

        try
        {
            await all.WaitAsync(budget, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Answer with what is decided; the rest is undecided below.
        }

        return [.. images.Select(i => work[i.Image] is { IsCompletedSuccessfully: true } done
            ? done.Result
            : ImageDecision.Undecided($"image {i.Image} was not decided within the {seconds} s budget"))];
    }

    private async Task<ImageDecision> DecideOneAsync(string image, bool dryRun, string budgetSeconds, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            var pinned = await digests.ResolveAsync(image, cancellationToken).ConfigureAwait(false);
            return await judge.DecideAsync(pinned, dryRun, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return ImageDecision.Undecided($"image {image} was not decided within the {budgetSeconds} s budget");
        }
        catch (Exception ex) when (ex is CombInputException or RegistryException or HttpRequestException or IOException or System.Data.Common.DbException or TimeoutException)
        {
            return ImageDecision.Undecided($"image {image} could not be checked: {ex.Message}");
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the API server gets an answer by the failure policy rather than an error.
            LogUnexpected(logger, image, ex);
            return ImageDecision.Undecided($"image {image} could not be checked: internal error ({ex.GetType().Name})");
        }
    }

    private AdmissionResponse Compose(string uid, IReadOnlyList<ImageDecision> decisions)
    {
        var ignore = settings.Value.IgnoresFailures;
        var denials = decisions.Where(d => d.Outcome == DecisionOutcome.Denied).SelectMany(d => d.Denials).ToList();
        var undecided = decisions.Where(d => d.Outcome == DecisionOutcome.Undecided).SelectMany(d => d.Denials).ToList();
        var warnings = decisions.SelectMany(d => d.Warnings).ToList();
        if (ignore)
        {
            warnings.AddRange(undecided.Select(u => $"{u}; allowed because the failure policy is Ignore"));
        }
        else
        {
            denials.AddRange(undecided.Select(u => $"{u}; denied because the failure policy is Fail"));
        }

        var distinctWarnings = warnings.Distinct(StringComparer.Ordinal).ToList();
        return new AdmissionResponse
        {
            Uid = uid,
            Allowed = denials.Count == 0,
            Status = denials.Count == 0 ? null : new AdmissionStatus(403, string.Join("; ", denials.Distinct(StringComparer.Ordinal)), "Forbidden"),
            Warnings = distinctWarnings.Count == 0 ? null : distinctWarnings,
        };
    }

    private List<AdmissionDecisionEntry> Entries(AdmissionRequest request, IReadOnlyList<ContainerImage> images, IReadOnlyList<ImageDecision> decisions)
    {
        var entries = new List<AdmissionDecisionEntry>();
        var now = time.GetUtcNow();
        for (var i = 0; i < images.Count; i++)
        {
            var d = decisions[i];
            var allowed = d.Outcome == DecisionOutcome.Allowed || (d.Outcome == DecisionOutcome.Undecided && settings.Value.IgnoresFailures);
            entries.Add(new AdmissionDecisionEntry(log.NewId(i), now, request.Uid!, request.UserInfo?.Username, request.Namespace, request.Kind?.Kind, request.Name,
                request.Operation, images[i].Container, images[i].Image, d.Digest, allowed, d.Outcome.ToString().ToLowerInvariant(), d.Denials, d.Warnings, d.ScanId, d.FromCache));
        }

        return entries;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "admission review {Uid} ({Kind} in {Namespace}): allowed={Allowed} dryRun={DryRun} in {Milliseconds} ms")]
    private static partial void LogReview(ILogger logger, string uid, string @namespace, string kind, bool allowed, bool dryRun, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "admission: image {Image} could not be checked")]
    private static partial void LogUnexpected(ILogger logger, string image, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "admission review {Uid}: the decision could not be audited in time ({Error})")]
    private static partial void LogAuditFailed(ILogger logger, string uid, string error);
}
