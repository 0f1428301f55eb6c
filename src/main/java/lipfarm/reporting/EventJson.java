package lipfarm.reporting;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.time.Instant;
import lipfarm.protocol.FarmEvent;

/**
 * The JSON form of events, one object per line: {@code seq}, {@code time}, {@code farm}, {@code
 * schema}, {@code type} and the record's fields. Non-finite numbers are written as the strings
 * "NaN"/"Infinity" so every line stays valid JSON.
 */
public final class EventJson {
  private EventJson() {}

  /** A fresh mapper per owner: no JVM-global mutable state. */
  public static ObjectMapper newMapper() {
    // The modules named, not found on the class path: that would add jackson-module-scala (Pekko
    // brings it), about 300 classes at start-up for types no event has.
    return JsonMapper.builder()
        .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
        .addModule(new com.fasterxml.jackson.datatype.jdk8.Jdk8Module())
        .addModule(new com.fasterxml.jackson.module.paramnames.ParameterNamesModule())
        .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NAN_AS_STRINGS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        // Readers ignore envelope fields and fields added by later schema versions.
        .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .serializationInclusion(JsonInclude.Include.ALWAYS)
        .build();
  }

  /** One ndjson line (without the newline). */
  public static String line(
      ObjectMapper mapper, String farm, long seq, Instant time, FarmEvent event) {
    ObjectNode node = mapper.createObjectNode();
    node.put("seq", seq);
    node.put("time", time.toString());
    node.put("farm", farm);
    node.put("schema", FarmEvent.SCHEMA_VERSION);
    ObjectNode body = mapper.valueToTree(event);
    node.setAll(body);
    try {
      return mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads an event back from a line written by {@link #line}. */
  public static FarmEvent parse(ObjectMapper mapper, String line) {
    try {
      return mapper.readValue(line, FarmEvent.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
