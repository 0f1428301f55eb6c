package lipfarm.training;

/** An enum constant named in farm files by a kebab-case key. */
interface Keyed {
  String key();

  /** The constant of {@code type} whose key is {@code key}. */
  static <E extends Enum<E> & Keyed> E of(Class<E> type, String key, String what) {
    for (E e : type.getEnumConstants()) {
      if (e.key().equals(key)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown " + what + " '" + key + "'");
  }
}
