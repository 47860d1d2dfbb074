using Marten;

namespace Monitoring.Alerts;

/// <summary>
/// Queues one statement that writes many documents of one type as Marten stores them, in the session's transaction: the
/// view writers that replace Marten's one-upsert-per-document with a set-based <c>insert … from unnest</c> share it.
/// </summary>
public static class DocumentRows
{
    /// <summary>
    /// Queues <paramref name="sql"/>, which names the document table as <c>@table@</c> and takes, in this order, the .NET
    /// type name Marten records (<c>mt_dotnet_type</c>), the ids, the JSON documents as Marten serialises them, and then
    /// <paramref name="columns"/> (one array per duplicated column, in document order). Nothing is queued for no documents.
    /// </summary>
    public static void Queue<T>(IDocumentOperations operations, string sql, IReadOnlyList<T> documents, Func<T, string> id, params Array[] columns)
    {
        if (documents.Count == 0) return;
        var options = operations.DocumentStore.Options;
        var serializer = options.Serializer();
        object[] values =
        [
            typeof(T).FullName!,
            documents.Select(id).ToArray(),
            documents.Select(d => serializer.ToJson(d)).ToArray(),
            .. columns,
        ];
        operations.QueueSqlCommand(sql.Replace("@table@", options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName), values);
    }
}
