using System.Data.Common;
using System.Globalization;
using Comb.Contracts;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Comb.Jobs;

/// <summary>
/// Connections to the queue's database and the few places where SQLite and PostgreSQL differ.
/// Named @parameters and RETURNING work in both, so statements are otherwise shared.
/// </summary>
public sealed class JobDb : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetryDelay = TimeSpan.FromSeconds(2);
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqlite;
    private readonly TimeSpan _rideOut;

    private JobDb(string location, NpgsqlDataSource? postgres, string? sqlite, TimeSpan rideOut)
    {
        Location = location;
        _postgres = postgres;
        _sqlite = sqlite;
        _rideOut = rideOut;
    }

    public string Location { get; }

    public bool IsPostgres => _postgres is not null;

    /// <summary>Row lock for a claim: SKIP LOCKED lets concurrent claimers pass each other on PostgreSQL; SQLite's write transaction already serialises.</summary>
    public string SkipLocked => IsPostgres ? "FOR UPDATE SKIP LOCKED" : "";

    public string ForUpdate => IsPostgres ? "FOR UPDATE" : "";

    /// <summary>A database on a SQLite path or a postgres:// URL that retries through an outage as the job queue does.</summary>
    public static JobDb Create(string location) => Create(location, new JobQueueOptions().OutageRideOut);

    /// <summary>A database on a SQLite path or a postgres:// URL; <paramref name="rideOut"/> is how long <see cref="RunAsync"/> retries through an outage.</summary>
    public static JobDb Create(string location, TimeSpan rideOut)
    {
        if (PostgresUrl.IsPostgres(location))
        {
            return new JobDb(PostgresUrl.Redact(location), NpgsqlDataSource.Create(PostgresUrl.ToConnectionString(location)), null, rideOut);
        }

        var full = Path.GetFullPath(location);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, DefaultTimeout = 60 }.ToString();
        return new JobDb(full, null, connectionString, rideOut);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a fresh connection, again after a transient error (a restarted server, a dropped
    /// socket, a busy file) until the ride-out time is spent. The work is told when it is a retry: an earlier try may have
    /// committed without the answer reaching us, so a write that must not happen twice checks for its own earlier commit.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<DbConnection, bool, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var delay = FirstRetryDelay;
        for (var retrying = false; ; retrying = true)
        {
            try
            {
                await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
                return await work(connection, retrying, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested
                                       && System.Diagnostics.Stopwatch.GetElapsedTime(started) + delay < _rideOut)
            {
                ForgetIdleConnections(ex);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetryDelay.Ticks));
            }
        }
    }

    /// <summary>After a server restart every idle pooled connection is dead; dropping them at the first error saves failing on each in turn.</summary>
    public void ForgetIdleConnections(Exception error)
    {
        if (_postgres is not null && error is NpgsqlException or IOException or System.Net.Sockets.SocketException)
        {
            _postgres.Clear();
        }
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        var connection = new SqliteConnection(_sqlite);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // FULL: a job acknowledged to a caller survives a power loss, not only a killed process.
        await ExecuteAsync(connection, null, "PRAGMA busy_timeout=30000; PRAGMA synchronous=FULL", cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>A write transaction: BEGIN IMMEDIATE on SQLite (the write lock is taken now, not at the first write), READ COMMITTED on PostgreSQL.</summary>
    public static async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string text, IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string text, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, transaction, text, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string text, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, transaction, text, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    public static long ToLong(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);

    public static int ToInt(object value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);

    /// <summary>True for errors that a new connection or a later try can cure: server restarts, dropped sockets, a busy SQLite file.</summary>
    public static bool IsTransient(Exception error) => error switch
    {
        NpgsqlException npgsql => npgsql.IsTransient || npgsql is PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "08006" or "08003" or "40001" or "40P01" },
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6,
        TimeoutException or IOException or System.Net.Sockets.SocketException => true,
        _ => error.InnerException is not null && IsTransient(error.InnerException),
    };

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            // Pooled SQLite handles would keep the file open after the host is done with the queue.
            await using var connection = new SqliteConnection(_sqlite);
            SqliteConnection.ClearPool(connection);
        }
    }
}
