// DatabaseMetaData of the PostgreSQL JDBC driver (getTables, getColumns; getPrimaryKeys with a
// third argument `keys`), as a tool (DBeaver, an ORM) asks for them:
// java -cp /usr/share/java/postgresql.jar JdbcMetaData.java URL [keys].
// Prints one line per row, columns separated by '|', so test/control/pgwire/other-clients.test.ts
// can compare definite's answers with PostgreSQL's for the same objects.
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;

public class JdbcMetaData {
  static void print(String what, ResultSet rs, String... columns) throws Exception {
    while (rs.next()) {
      StringBuilder line = new StringBuilder(what);
      for (String c : columns) line.append('|').append(c).append('=').append(rs.getString(c));
      System.out.println(line);
    }
    rs.close();
  }

  public static void main(String[] args) throws Exception {
    try (Connection conn = DriverManager.getConnection(args[0])) {
      DatabaseMetaData md = conn.getMetaData();
      print("table", md.getTables(null, "public", "%", new String[] {"TABLE", "VIEW", "MATERIALIZED VIEW"}), "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS");
      print("table-pattern", md.getTables(null, null, "ite%", null), "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE");
      for (String t : new String[] {"items", "cheap", "named"}) {
        print("column", md.getColumns(null, "public", t, "%"), "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "COLUMN_DEF", "ORDINAL_POSITION", "IS_NULLABLE", "IS_AUTOINCREMENT", "IS_GENERATEDCOLUMN");
        if (args.length > 1 && args[1].equals("keys")) print("primary-key", md.getPrimaryKeys(null, "public", t), "TABLE_NAME", "COLUMN_NAME", "KEY_SEQ", "PK_NAME");
      }
      System.out.println("done");
    }
  }
}
