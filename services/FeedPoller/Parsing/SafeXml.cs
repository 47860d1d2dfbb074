using System.Xml;

namespace Monitoring.FeedPoller;

/// <summary>XML reader settings that never resolve DTDs or external entities (XXE, entity bombs).</summary>
public static class SafeXml
{
    public static XmlReaderSettings ReaderSettings() => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 1024,
        MaxCharactersInDocument = 64L * 1024 * 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
    };
}
