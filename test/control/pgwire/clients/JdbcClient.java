// A PostgreSQL JDBC client of definite's pgwire front end (test/control/pgwire/other-clients.test.ts),
// run as a single-file program: java -cp /usr/share/java/postgresql.jar JdbcClient.java PORT.
// PreparedStatement with typed parameters (extended protocol; a BigDecimal goes as binary numeric), a transaction with
// setAutoCommit(false) / commit, and a SELECT with a parameter. Prints one line per step.
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

public class JdbcClient {
  public static void main(String[] args) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/materialize?user=materialize&sslmode=disable";
    try (Connection conn = DriverManager.getConnection(url)) {
      System.out.println("connected " + conn.getMetaData().getDatabaseProductVersion());
      try (Statement st = conn.createStatement()) {
        st.execute("CREATE TABLE java_items (id int NOT NULL, name text, qty bigint, price double precision, amount numeric)");
      }
      try (PreparedStatement ps = conn.prepareStatement("INSERT INTO java_items VALUES (?, ?, ?, ?, ?)")) {
        ps.setInt(1, 1);
        ps.setString(2, "one");
        ps.setLong(3, 10L);
        ps.setDouble(4, 1.5);
        ps.setBigDecimal(5, new java.math.BigDecimal("12.345"));
        System.out.println("insert " + ps.executeUpdate());
      }
      conn.setAutoCommit(false);
      try (PreparedStatement ps = conn.prepareStatement("INSERT INTO java_items VALUES (?, ?, ?, ?, ?)")) {
        for (int i = 2; i <= 3; i++) {
          ps.setInt(1, i);
          ps.setString(2, i == 2 ? "two's" : null);
          ps.setLong(3, 10L * i);
          ps.setDouble(4, i + 0.25);
          ps.setBigDecimal(5, new java.math.BigDecimal(i == 2 ? "-0.0012" : "100000005.00"));
          ps.executeUpdate();
        }
      }
      conn.commit();
      conn.setAutoCommit(true);
      try (PreparedStatement ps = conn.prepareStatement("SELECT id, name, qty, price, amount FROM java_items WHERE id >= ? ORDER BY id")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            System.out.println("row " + rs.getInt(1) + " " + rs.getString(2) + " " + rs.getLong(3) + " " + rs.getDouble(4) + " " + rs.getBigDecimal(5));
          }
        }
      }
      System.out.println("done");
    }
  }
}
