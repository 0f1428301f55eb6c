package lipfarm.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The configuration ids of the shipped farm files, pinned: existing journals hold results under
 * these ids, so a change of the grid expansion that moved them would orphan every finished run. The
 * ids were printed by the code before the grid language existed (commit 0a09282, {@code lipfarm run
 * --dry-run}); the order is the expansion order.
 */
class ShippedFarmIdsTest {

  static final List<String> DEFAULT_FARM =
      List.of(
          "e716cf77767238ab",
          "27e0c5f1c16eaba6",
          "1347395c75085719",
          "6289e56752d84911",
          "1be4ce89ebf76b05",
          "40b21b48d8c45bcb",
          "79c0f7dee2f9c017",
          "2d996540d38b5185",
          "64d61c5a2da7837e",
          "75a34b88f7f6df67",
          "8c3dccb564a184ac",
          "ee73dc124ea60312",
          "1d7e372df0dbe9c8",
          "12706c029828e2fc",
          "d06fc9eeeb0fbe19",
          "54d037698522f5f0",
          "f009d54a8e9c0250",
          "42f096d99e164783",
          "5672a6a534cb1642",
          "e660c84b8adc9d70",
          "fb8f9ca93619c0f9",
          "5bf9ada098ddf6a1",
          "195b44155a91e716",
          "a1e625440c2e2adc",
          "cdc8a9dd483dfa12",
          "13378f9aff1af9a5",
          "107fb8f8daa06d4e",
          "bb32acfad16cab46",
          "27efb3e21915190e",
          "d23933ef503d69c4",
          "69ddc37f135f8cef",
          "123099ce5f8c4273",
          "b6b2837a107d342d",
          "fd8304235f7e5bdc",
          "0eaf02dba5117f95",
          "163d78caff819351");

  static final List<String> FASHION_MNIST_FARM =
      List.of(
          "7ca67a2a2f4a5c39",
          "bf34c8961dfd08d9",
          "43440ace2b208b23",
          "4db0f442386c1042",
          "31215087535aa643",
          "447bf70403adc551",
          "adeb285f4710d883",
          "da98d4832f362d4e",
          "da2cd9a9bf0f6ee9",
          "e8d4a26d986bb22b",
          "e8a7e9c29b2c33bf",
          "50ea94877ff8d490",
          "aab499ebdf08cc62",
          "325240c9e925b09d",
          "988e280ffa936fb6",
          "cd49db67079b5301",
          "a6af8ca099e4ac79",
          "64a6128c7ab80ca3",
          "48f0bda1ba2cdf7c",
          "6a9b924b818147cd",
          "e638d1b3d42dee84",
          "2514cd406ca6e751",
          "d5b81031822381cc",
          "45fb0603edfbbdcb");

  @Test
  void defaultFarmIdsDoNotChange() {
    FarmDefinition def = FarmDefinition.load(new File("conf/application.conf"));
    assertThat(def.rules()).isEqualTo(GridRules.NONE);
    assertThat(def.expand()).extracting(RunConfig::id).isEqualTo(DEFAULT_FARM);
  }

  /** Without the cross-key data check: the Fashion-MNIST files need not be installed. */
  @Test
  void fashionMnistFarmIdsDoNotChange() {
    FarmDefinition def = FarmDefinition.load(new File("conf/fashion-mnist.conf"));
    assertThat(def.configurations()).extracting(RunConfig::id).isEqualTo(FASHION_MNIST_FARM);
  }
}
