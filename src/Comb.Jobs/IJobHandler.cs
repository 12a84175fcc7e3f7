namespace Comb.Jobs;

/// <summary>Runs jobs of one kind. Returning succeeds the job; throwing fails the attempt (see <see cref="JobFailedException"/>).</summary>
public interface IJobHandler
{
    string Kind { get; }

    /// <summary>Runs one attempt. Returns the result as JSON (or null). The token fires when the job is cancelled, its lease is lost or the worker stops.</summary>
    Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken);
}

/// <summary>
/// A failed attempt with the handler's verdict: retryable for upstream trouble (registry 5xx, timeouts), not for bad
/// input. Other exceptions count as retryable internal errors, except <see cref="Comb.Contracts.CombInputException"/>, which never retries.
/// </summary>
public sealed class JobFailedException(string kind, string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    public string Kind { get; } = kind;

    public bool Retryable { get; } = retryable;
}
