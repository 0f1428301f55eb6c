package lipfarm.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** docs/events.schema.json, for tests: the errors of one event line (empty if it conforms). */
public final class EventSchema {
  public static final Path FILE = Path.of("docs/events.schema.json");
  private final JsonSchema schema;
  private final ObjectMapper mapper = new ObjectMapper();

  public EventSchema() {
    try {
      JsonNode node = mapper.readTree(FILE.toFile());
      schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<String> errors(String line) {
    try {
      Set<ValidationMessage> errors = schema.validate(mapper.readTree(line));
      return errors.stream().map(ValidationMessage::getMessage).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
